"""Vote round trip: 150 councillors (20 holding proxies) and 1,000 public clients on Daphne
with the Redis channel layer and PostgreSQL. Every councillor votes at once.

`secret` as the first argument runs a secret ballot instead of an electronic public vote
(each ballot then rewrites the whole shuffled box, voting/ballot_box.py).

The public clients follow the sitting as in production (deploy/): EventSources on the
shipped nginx's nchan, to which Séance publishes each commit's public frame
(sessions/live/public_feed.py); BENCH_PUBLIC=websocket puts them on Daphne's websocket
instead, as the embedded default serves them.

Prints p50/p99 from submit to acknowledgement, p99 from the close (sent by the chair's
desk right after the last acknowledgement, and run by the server as in a sitting) to the
result on every client, and the ballots stored, lost and doubled. Baseline, in the same
run: the same number of bare INSERTs into the same database, issued the same way (all at
once, one connection each). Beside it, the floor of a close and its result: a bare
UPDATE, then a bare PUBLISH to 1,150 subscribers (the result's ratio to it is printed
too). Last line: one JSON object.

    REDIS_URL=redis://127.0.0.1:6379/5 \
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/seance_bench \
    .venv/bin/python bench/vote_roundtrip.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from contextlib import ExitStack

from common import (
    TIMEOUT,
    bare_publish,
    client,
    connect_clients,
    daphne_process,
    first_of,
    fresh_django,
    last_line,
    next_matching,
    pct,
    session_cookie,
)
from eventsource import collect, initial_frame, latencies, public_front, start_subscribers
from media import free_port

KIND = sys.argv[1] if len(sys.argv) > 1 else "electronic"
COUNCILLORS = 150
PROXIES = 20
PUBLIC = 1000
PUBLIC_VIA = os.environ.get("BENCH_PUBLIC", "nchan")  # or "websocket", the embedded default's
SUBSCRIBER_PROCESSES = 2


def seed():
    from sessions import services
    from tests import factories as f

    a = f.assembly(members=COUNCILLORS + PROXIES, population=110_000)
    people = list(a.members.order_by("id").select_related("user"))
    present, absent = people[:COUNCILLORS], people[COUNCILLORS:]
    s = f.sitting(a, items=1)
    for holder, grantor in zip(present[-PROXIES:], absent, strict=True):
        services.proxy_grant(grantor=grantor, holder=holder, sittings=[s], user=None)
    services.convocation_send(sitting=s, user=f.staff(a))
    f.arrive(s, present)
    services.secretary_name(sitting=s, member=present[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.item_take_up(sitting=s, item=s.items.first(), user=None)
    cookies = {m.id: session_cookie(m.user) for m in present}
    grants = {h.id: g.id for h, g in zip(present[-PROXIES:], absent, strict=True)}
    desk = session_cookie(s.chair.user)  # the chair's desk, which closes the vote
    return s, present, cookies, grants, desk


async def run(port: int, sitting, present, cookies, grants, desk: str, front: int):
    """Public clients: EventSources on nginx's nchan when `front` (production), else
    websockets on Daphne (the embedded default)."""
    from asgiref.sync import sync_to_async

    from sessions.live import public_feed
    from voting import services as voting
    from voting.models import Ballot, SecretBallot, SecretParticipation

    pipes = []
    if front:  # the frame the sitting's opening published, then the citizens
        await sync_to_async(public_feed.publish_state)(sitting.id, initial_frame(sitting))
        await sync_to_async(public_feed.flush)()
        pipes = start_subscribers(front, sitting.id, PUBLIC, SUBSCRIBER_PROCESSES)
    viewers = 0 if front else PUBLIC
    chair = await client(port, sitting.id, "chair", desk)
    seat_list, public = await connect_clients(port, sitting.id, list(cookies.values()), viewers)
    seats = dict(zip(cookies, seat_list, strict=True))
    item = await sync_to_async(lambda: sitting.items.first())()
    requests = {"secret": list(cookies)[: COUNCILLORS // 3 + 1]} if KIND == "secret" else {}
    vote = await sync_to_async(voting.vote_open)(item=item, kind=KIND, user=None, requests=requests)
    deadline = time.monotonic() + TIMEOUT
    for ws in seats.values():  # every seat learns of the vote before voting
        await next_matching(ws, lambda m: m["type"] == "voting.vote_opened", deadline)

    async def vote_as(mid: int, ws, on_behalf: int | None):
        cid = uuid.uuid4().hex
        msg = {
            "action": "ballot",
            "vote": vote.id,
            "choice": "for" if mid % 3 else "against",
            "client_id": cid,
            "ref": cid,
        }
        if on_behalf:
            msg["on_behalf_of"] = on_behalf
        start = time.perf_counter()
        await ws.send(json.dumps(msg))
        return start, cid

    sent = []
    for mid, ws in seats.items():
        sent.append((mid, ws, await vote_as(mid, ws, None)))
        if mid in grants:
            sent.append((mid, ws, await vote_as(mid, ws, grants[mid])))
    acks: list[float] = []
    acked = set()
    pending_by_ws: dict[int, dict[str, float]] = {}
    for mid, _ws, (start, cid) in sent:
        pending_by_ws.setdefault(mid, {})[cid] = start

    async def collect(mid: int, ws):
        waiting = pending_by_ws[mid]
        while waiting:
            msg, at = await next_matching(ws, lambda m: m["type"] in ("ack", "error"), deadline)
            if msg["type"] == "ack" and msg.get("ref") in waiting:
                acks.append((at - waiting.pop(msg["ref"])) * 1000)
                acked.add(msg["ref"])
            elif msg["type"] == "error":
                print("refused:", msg, file=sys.stderr)
                waiting.pop(msg.get("ref"), None)

    await asyncio.gather(*(collect(mid, ws) for mid, ws in seats.items()))
    first_sent = min(start for _mid, _ws, (start, _cid) in sent)
    print(
        f"all {len(acks)} acknowledgements in {time.perf_counter() - first_sent:.2f} s",
        file=sys.stderr,
    )
    close = {"action": "vote_close", "vote": vote.id, "confirm": True, "ref": "close"}
    close_at, close_wall = time.perf_counter(), time.time()
    await chair.send(json.dumps(close))
    clients = list(seats.values()) + public
    result_deadline = time.monotonic() + 30
    arrivals = await asyncio.gather(
        *(first_of(ws, "voting.vote_closed", result_deadline) for ws in clients)
    )
    missed = sum(1 for at in arrivals if at is None)
    if missed:
        print(f"{missed} clients never saw the result", file=sys.stderr)
    result_ms = [(at - close_at) * 1000 for at in arrivals if at is not None]
    print(
        f"{len(result_ms)} websockets (the seats on Daphne): result p50 {pct(result_ms, 50):.1f}"
        f" ms, p99 {pct(result_ms, 99):.1f} ms",
        file=sys.stderr,
    )
    if pipes:
        result_ms += public_delays(pipes, close_wall)
    model = SecretParticipation if KIND == "secret" else Ballot
    stored = await sync_to_async(
        lambda: set(model.objects.filter(vote=vote).values_list("client_id", flat=True))
    )()
    box = await sync_to_async(lambda: SecretBallot.objects.filter(vote=vote).count())()
    if KIND == "secret" and box != len(stored):
        print(f"the box holds {box} ballots for {len(stored)} participations", file=sys.stderr)
    closed, _at = await next_matching(chair, lambda m: m.get("ref") == "close", deadline)
    assert closed["type"] == "ack", closed
    for ws in [*clients, chair]:
        await ws.close()
    return acks, result_ms, len(sent), acked, stored


def public_delays(pipes: list, close_wall: float) -> list[float]:
    """The EventSources' delays from the close to its result."""
    arrivals, cpu = collect(pipes)
    delays = latencies(arrivals, "voting.vote_closed", close_wall)
    missing = sum(1 for ms in delays if ms >= 60_000)
    print(
        f"{len(arrivals)} EventSources via nginx (nchan): result p50 {pct(delays, 50):.1f} ms, "
        f"p99 {pct(delays, 99):.1f} ms, missing {missing}; their CPU {cpu:.1f} s in all",
        file=sys.stderr,
    )
    return delays


async def bare_inserts(n: int) -> list[float]:
    import psycopg

    url = os.environ["DATABASE_URL"]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (id serial primary key, "
            "client_id text unique, choice text, at timestamptz)"
        )
        await conn.execute("TRUNCATE bench_bare")
    # As many connections as Daphne's thread pool gives the ballots (the server side of a
    # ballot runs in one of its worker threads): the same queueing, without our code.
    workers = min(n, int(os.environ.get("ASGI_THREADS", 0)) or min(32, (os.cpu_count() or 1) + 4))
    conns = [await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(workers)]
    queue: asyncio.Queue = asyncio.Queue()
    for c in conns:
        queue.put_nowait(c)

    async def insert(start: float) -> float:
        conn = await queue.get()
        try:
            await conn.execute(
                "INSERT INTO bench_bare (client_id, choice, at) VALUES (%s, %s, now())",
                [uuid.uuid4().hex, "for"],
            )
        finally:
            queue.put_nowait(conn)
        return (time.perf_counter() - start) * 1000

    now = time.perf_counter()
    times = await asyncio.gather(*(insert(now) for _ in range(n)))
    for c in conns:
        await c.close()
    return list(times)


async def bare_close(changes: int = 5) -> list[float]:
    """The floor of a close and its result: one bare UPDATE committed, then one bare
    PUBLISH to as many subscribers as the result's clients; ms from the UPDATE's start to
    each receipt. (The ratio the issue sets, to the bare INSERTs alone, leaves the result
    less time than the bare fan-out itself takes on some machines.)"""
    import psycopg

    url = os.environ["DATABASE_URL"]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:

        async def update() -> None:
            await conn.execute(
                "UPDATE bench_bare SET choice = 'against' "
                "WHERE id = (SELECT min(id) FROM bench_bare)"
            )

        return await bare_publish(COUNCILLORS + PUBLIC, changes, update)


def main() -> None:
    fresh_django()
    sitting, present, cookies, grants, desk = seed()
    daphne_port = free_port()
    with ExitStack() as stack:
        front = stack.enter_context(public_front(daphne_port)) if PUBLIC_VIA == "nchan" else 0
        port, _pid = stack.enter_context(daphne_process(daphne_port))
        acks, result_ms, sent, acked, stored = asyncio.run(
            run(port, sitting, present, cookies, grants, desk, front)
        )
    baseline = asyncio.run(bare_inserts(sent))
    floor = asyncio.run(bare_close())
    from voting.verify import chain_verify

    verified = chain_verify()  # what `manage.py verify_votes` checks: the chain intact
    print(f"vote log: {'intact' if verified.ok else 'BROKEN'}")
    lost = len(acked - stored)
    doubled = 0  # one row per client id and per name is enforced by the database
    print(
        f"ballots: {sent} submitted, {len(acked)} acknowledged, {len(stored)} stored, "
        f"{lost} lost, {doubled} doubled"
    )
    print(f"submit -> ack      p50 {pct(acks, 50):7.1f} ms   p99 {pct(acks, 99):7.1f} ms")
    print(
        f"close -> result    p50 {pct(result_ms, 50):7.1f} ms   p99 {pct(result_ms, 99):7.1f} ms"
        f"   ({len(result_ms)} clients)"
    )
    print(
        f"baseline: {sent} bare INSERTs at once   p50 {pct(baseline, 50):7.1f} ms   "
        f"p99 {pct(baseline, 99):7.1f} ms"
    )
    print(
        f"bare close: an UPDATE, then a PUBLISH to {COUNCILLORS + PUBLIC} subscribers   "
        f"p50 {pct(floor, 50):7.1f} ms   p99 {pct(floor, 99):7.1f} ms   (result / it: "
        f"{pct(result_ms, 99) / pct(floor, 99):.2f})"
    )
    print(
        last_line(
            "vote_result_fanout_p99",
            pct(result_ms, 99),
            "ms",
            pct(baseline, 99),
            100,
            ack_p99_ms=round(pct(acks, 99), 1),
            ack_ratio=round(pct(acks, 99) / pct(baseline, 99), 2),
            bare_close_p99_ms=round(pct(floor, 99), 1),
            ratio_to_bare_close=round(pct(result_ms, 99) / pct(floor, 99), 2),
            stored=len(stored),
            lost=lost,
            doubled=doubled,
            chain_intact=verified.ok,
            mean_ack_ms=round(statistics.mean(acks), 1) if acks else None,
            kind=KIND,
            public_via=PUBLIC_VIA,
        )
    )


if __name__ == "__main__":
    main()
