"""Agenda change fan-out: Daphne with the Redis channel layer, 150 councillor and 1,000
public websocket clients; the chair moves to the next item five times. Prints p50, p95 and
p99 of the time until each client has the event and, in the same run, the same for a bare
Redis PUBLISH to 1,150 subscribers. Last line: one JSON object.

    .venv/bin/python bench/realtime_fanout.py      (PostgreSQL and Redis on 127.0.0.1)
"""

from __future__ import annotations

import asyncio
import os
import time

from common import connect_clients, daphne, first_of, fresh_django, last_line, pct, session_cookie

COUNCILLORS, PUBLIC, CHANGES = 150, 1000, 5


def seed():
    from sessions import services
    from tests import factories as f

    a = f.assembly(members=COUNCILLORS, population=110_000)
    people = list(a.members.order_by("id").select_related("user"))
    s = f.sitting(a, items=CHANGES + 1)
    services.convocation_send(sitting=s, user=f.staff(a))
    f.arrive(s, people)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    return s, [session_cookie(m.user) for m in people]


async def ours(port: int, sitting, cookies) -> list[float]:
    from asgiref.sync import sync_to_async

    from sessions import services

    seats, viewers = await connect_clients(port, sitting.id, cookies, PUBLIC)
    clients = seats + viewers
    items = await sync_to_async(lambda: list(sitting.items.all()))()
    times: list[float] = []
    service_ms: list[float] = []
    missed = 0
    for item in items[:CHANGES]:
        deadline = time.monotonic() + 30
        waiting = [
            asyncio.ensure_future(first_of(ws, "sittings.item_taken_up", deadline))
            for ws in clients
        ]
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        await sync_to_async(services.item_take_up)(sitting=sitting, item=item, user=None)
        service_ms.append((time.perf_counter() - start) * 1000)
        arrived = await asyncio.gather(*waiting)
        times += [(at - start) * 1000 for at in arrived if at is not None]
        missed += sum(1 for at in arrived if at is None)
        await asyncio.sleep(0.5)
    for ws in clients:
        await ws.close()
    if missed:
        print(f"{missed} deliveries missed")
    print(
        f"item_take_up itself (snapshots built, events queued): "
        f"{sum(service_ms) / len(service_ms):.1f} ms on average"
    )
    return times


async def bare_redis() -> list[float]:
    import redis.asyncio as redis

    url = os.environ["REDIS_URL"]
    subscribers = []
    for _ in range(COUNCILLORS + PUBLIC):
        pubsub = redis.Redis.from_url(url).pubsub()
        await pubsub.subscribe("bench-fanout")
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        subscribers.append(pubsub)
    publisher = redis.Redis.from_url(url)
    times: list[float] = []

    async def receive(pubsub, deadline):
        while time.monotonic() < deadline:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
            if message:
                return time.perf_counter()
        return None

    for n in range(CHANGES):
        deadline = time.monotonic() + 30
        waiting = [asyncio.ensure_future(receive(s, deadline)) for s in subscribers]
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        await publisher.publish("bench-fanout", f"item {n}")
        times += [(at - start) * 1000 for at in await asyncio.gather(*waiting) if at]
    for s in subscribers:
        await s.aclose()
    await publisher.aclose()
    return times


def main() -> None:
    fresh_django()
    sitting, cookies = seed()
    with daphne() as port:
        measured = asyncio.run(ours(port, sitting, cookies))
    baseline = asyncio.run(bare_redis())
    for name, values in (("item change via Daphne", measured), ("bare Redis PUBLISH", baseline)):
        print(
            f"{name:<24} n={len(values):5d}  p50 {pct(values, 50):7.1f} ms  "
            f"p95 {pct(values, 95):7.1f} ms  p99 {pct(values, 99):7.1f} ms"
        )
    print(
        last_line(
            "item_change_fanout_p99",
            pct(measured, 99),
            "ms",
            pct(baseline, 99),
            200,
            clients=COUNCILLORS + PUBLIC,
        )
    )


if __name__ == "__main__":
    main()
