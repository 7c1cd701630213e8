"""Agenda change fan-out: Daphne with the Redis channel layer, 150 councillor websocket
clients and 1,000 public clients; the chair moves to the next item five times. The public
clients follow the sitting as in production (deploy/): EventSources on the shipped nginx's
nchan, to which Séance publishes each commit's public frame (sessions/live/public_feed.py);
BENCH_PUBLIC=websocket puts them on Daphne's websocket instead, as the embedded default
serves them. Prints p50, p95 and
p99 of the time until each client has the event (from the start of the service's call,
snapshots and sends included) and, in the same run, the same for a bare Redis PUBLISH to
1,150 subscribers; also Daphne's CPU time per change. Last line: one JSON object.

Second mode, `broadcast`: the same while a broadcast runs on the same machine, the real
programme (three synthetic cameras, their ingests, the slate and the mixer ffmpeg with the
picture in picture and the lower third, as bench/mixer_cpu.py starts it) on the ladder the
shipped production.env sets (SEANCE_BROADCAST_LADDER=full, the one deploy/README.md sizes
the 2-core server for; BENCH_LADDER=small for the small one). The baseline runs under the
same broadcast. Target: 200 ms instead of 100.

    .venv/bin/python bench/realtime_fanout.py [broadcast]   (PostgreSQL and Redis on 127.0.0.1)
    BENCH_VERBOSE=1 ...   (each change's figures)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from common import (
    bare_publish,
    connect_clients,
    daphne_process,
    first_of,
    fresh_django,
    last_line,
    pct,
    session_cookie,
)
from eventsource import collect, initial_frame, latencies, public_front, start_subscribers
from media import cpu_seconds, free_port, machine_load

COUNCILLORS, PUBLIC, CHANGES = 150, 1000, 5
LADDER = os.environ.get("BENCH_LADDER", "full")
PUBLIC_VIA = os.environ.get("BENCH_PUBLIC", "nchan")  # or "websocket", the embedded default's
SUBSCRIBER_PROCESSES = 2
EVENT = "sittings.item_taken_up"


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


async def ours(port: int, pid: int, sitting, cookies, front: int) -> list[float]:
    """The five changes; each client's delay (ms). Public clients: EventSources on nginx's
    nchan when `front` (production), else websockets on Daphne (the embedded default)."""
    from asgiref.sync import sync_to_async

    from sessions import services
    from sessions.live import public_feed

    pipes = []
    if front:  # the frame the sitting's opening published, then the citizens
        await sync_to_async(public_feed.publish_state)(sitting.id, initial_frame(sitting))
        await sync_to_async(public_feed.flush)()
        pipes = start_subscribers(front, sitting.id, PUBLIC, SUBSCRIBER_PROCESSES)
    seats, viewers = await connect_clients(port, sitting.id, cookies, 0 if front else PUBLIC)
    clients = seats + viewers
    items = await sync_to_async(lambda: list(sitting.items.all()))()
    times: list[float] = []
    service_ms: list[float] = []
    began: list[float] = []  # wall-clock starts, for the EventSources' arrivals
    missed = 0
    cpu = 0.0
    for item in items[:CHANGES]:
        deadline = time.monotonic() + 30
        waiting = [asyncio.ensure_future(first_of(ws, EVENT, deadline)) for ws in clients]
        await asyncio.sleep(0.2)
        used = cpu_seconds(pid) or 0.0
        began.append(time.time())
        start = time.perf_counter()
        await sync_to_async(services.item_take_up)(sitting=sitting, item=item, user=None)
        service_ms.append((time.perf_counter() - start) * 1000)
        arrived = await asyncio.gather(*waiting)
        cpu += (cpu_seconds(pid) or 0.0) - used
        got = [(at - start) * 1000 for at in arrived if at is not None]
        if os.environ.get("BENCH_VERBOSE"):
            print(
                f"  service {service_ms[-1]:.0f} ms; websockets p50 {pct(got, 50):.0f}, "
                f"p99 {pct(got, 99):.0f}, first {min(got):.0f} ms"
            )
        times += got
        missed += sum(1 for at in arrived if at is None)
        await asyncio.sleep(0.5)
    for ws in clients:
        await ws.close()
    if pipes:
        times += public_delays(pipes, began)
    if missed:
        print(f"{missed} deliveries missed")
    print(
        f"item_take_up itself (snapshots built, events queued): "
        f"{sum(service_ms) / len(service_ms):.1f} ms on average; Daphne's CPU "
        f"{cpu / CHANGES * 1000:.0f} ms per change (its delivery to {len(clients)} sockets)"
    )
    return times


def public_delays(pipes: list, began: list[float]) -> list[float]:
    """The EventSources' delays, each change's from its wall-clock start."""
    arrivals, cpu = collect(pipes)
    delays = [ms for t0 in began for ms in latencies(arrivals, EVENT, t0)]
    missing = sum(1 for ms in delays if ms >= 60_000)
    print(
        f"{len(arrivals)} EventSources via nginx (nchan): p50 {pct(delays, 50):.1f} ms, "
        f"p99 {pct(delays, 99):.1f} ms, missing {missing}; their CPU {cpu:.1f} s in all"
    )
    return delays


@contextmanager
def broadcast():
    """The programme as bench/mixer_cpu.py runs it, on the ladder LADDER, until the end."""
    from media import free_port, stop, wait_for
    from mixer_cpu import SPEAKER, cameras

    from streaming.programme.graph import LADDERS, ProgrammeConfig, ProgrammeInput
    from streaming.programme.state import ProgrammeState
    from streaming.programme.supervisor import Supervisor

    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        inputs = tuple(
            ProgrammeInput(f"Camera-{n}", f"udp://127.0.0.1:{free_port(2)}") for n in "ABC"
        )
        config = ProgrammeConfig(
            inputs=inputs,
            output_dir=Path(tmp) / "hls",
            control_address=f"tcp://127.0.0.1:{free_port()}",
            ladder=LADDERS[LADDER],
        )
        supervisor = Supervisor(config, ProgrammeState(cut=0, pip=1, lower_third=SPEAKER))
        feeds = cameras([i.url for i in inputs])
        supervisor.start()
        try:
            first = config.ladder[0].name
            wait_for(lambda: len(list(config.output_dir.glob(f"{first}/seg_*.m4s"))) >= 2, 60)
            print(f"broadcast running: 3 cameras, mixer on the {LADDER} ladder")
            yield supervisor
            health = supervisor.health()
            progress = health.get("progress", {})
            print(
                f"broadcast at the end: speed {progress.get('speed')}, "
                f"restarts {health.get('restarts')}"
            )
        finally:
            supervisor.stop()
            stop(feeds)


def run() -> tuple[list[float], list[float]]:
    sitting, cookies = seed()
    daphne_port = free_port()
    with ExitStack() as stack:
        front = stack.enter_context(public_front(daphne_port)) if PUBLIC_VIA == "nchan" else 0
        port, pid = stack.enter_context(daphne_process(daphne_port))
        measured = asyncio.run(ours(port, pid, sitting, cookies, front))
    return measured, asyncio.run(bare_publish(COUNCILLORS + PUBLIC, CHANGES))


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "quiet"
    if mode not in ("quiet", "broadcast"):
        sys.exit("usage: realtime_fanout.py [broadcast]")
    fresh_django()
    print(f"mode {mode}; at the start: {machine_load()}")
    if mode == "broadcast":
        with broadcast():
            measured, baseline = run()
    else:
        measured, baseline = run()
    for name, values in (("item change via Daphne", measured), ("bare Redis PUBLISH", baseline)):
        print(
            f"{name:<24} n={len(values):5d}  p50 {pct(values, 50):7.1f} ms  "
            f"p95 {pct(values, 95):7.1f} ms  p99 {pct(values, 99):7.1f} ms"
        )
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(
        last_line(
            "item_change_fanout_p99" + ("_broadcast" if mode == "broadcast" else ""),
            pct(measured, 99),
            "ms",
            pct(baseline, 99),
            200 if mode == "broadcast" else 100,
            clients=COUNCILLORS + PUBLIC,
            mode=mode,
            public_via=PUBLIC_VIA,
            **({"ladder": LADDER} if mode == "broadcast" else {}),
            load=machine_load(),
        )
    )


if __name__ == "__main__":
    main()
