"""The citizens' side of the public page in production: EventSources on the shipped nginx's
nchan (sessions/live/public_feed.py), each noting when each frame arrives. Used by the
benchmarks that follow a sitting's public state as a citizen's browser does
(bench/public_scale.py, bench/realtime_fanout.py, bench/vote_roundtrip.py).

The clients run in their own processes (asyncio on uvloop), bound to 127.0.0.2... so that
the loopback's ephemeral ports suffice, and report their arrivals (wall-clock times, as
the processes share no monotonic clock) when told to stop."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hls_serve import start_nginx
from media import free_port, stop

TYPE = re.compile(rb'"type": "([a-z_.]+)"')
Arrivals = list[list[tuple[float, str]]]  # per citizen: (time.time(), frame type)


class Subscriber(asyncio.Protocol):
    """One citizen's EventSource: the arrival time of each frame, by its type."""

    def __init__(self, path: str, arrivals: list[tuple[float, str]], ready: asyncio.Future):
        self.path, self.arrivals, self.ready = path, arrivals, ready
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        request = f"GET {self.path} HTTP/1.0\r\nHost: seance.example.fr\r\n"
        transport.write(f"{request}Accept: text/event-stream\r\n\r\n".encode())

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        *events, self.buffer = self.buffer.split(b"\n\n")
        for event in events:
            if not self.ready.done() and b"200 OK" in event:
                self.ready.set_result(True)
            if b"data: " in event and (found := TYPE.search(event)):
                self.arrivals.append((now, found.group(1).decode()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.arrivals.append((time.time(), "closed"))
        if not self.ready.done():
            self.ready.set_result(False)


def subscribers(count: int, port: int, path: str, source: str, pipe) -> None:
    """`count` EventSources from `source`; reports ready, then the arrivals when told."""
    import uvloop

    async def run() -> None:
        loop = asyncio.get_running_loop()
        arrivals: Arrivals = [[] for _ in range(count)]
        started = 0
        for n in range(count):
            ready = loop.create_future()
            try:
                await loop.create_connection(
                    lambda n=n, ready=ready: Subscriber(path, arrivals[n], ready),
                    "127.0.0.1", port, local_addr=(source, 0),
                )  # fmt: skip
                started += bool(await asyncio.wait_for(ready, 30))
            except (OSError, TimeoutError):
                arrivals[n].append((time.time(), "refused"))
            if n % 200 == 199:
                await asyncio.sleep(0.05)  # nginx's listen backlog
        pipe.send(started)
        while not pipe.poll():
            await asyncio.sleep(0.2)
        pipe.recv()
        pipe.send((arrivals, time.process_time()))

    uvloop.run(run())


def start_subscribers(port: int, sitting_id: int, viewers: int, processes: int) -> list:
    """`viewers` EventSources on the sitting's public feed, shared by `processes`; returns
    the pipes to `collect` them by, once all are connected."""
    context = multiprocessing.get_context("fork")
    path = f"/live/sittings/{sitting_id}/public/events"
    share = viewers // processes
    pipes = []
    for i in range(processes):
        ours, theirs = context.Pipe()
        args = (share, port, path, f"127.0.0.{i + 2}", theirs)
        context.Process(target=subscribers, args=args, daemon=True).start()
        pipes.append(ours)
    connected = sum(p.recv() for p in pipes)
    print(f"{connected} of {share * processes} EventSources connected")
    return pipes


def collect(pipes: list) -> tuple[Arrivals, float]:
    """Every citizen's arrivals, and the CPU seconds their processes used."""
    arrivals: Arrivals = []
    cpu = 0.0
    for pipe in pipes:
        pipe.send("stop")
    for pipe in pipes:
        theirs, seconds = pipe.recv()
        arrivals += theirs
        cpu += seconds
    return arrivals, cpu


def latencies(arrivals: Arrivals, kind: str, t0: float) -> list[float]:
    """Per citizen: ms from t0 to the first `kind` frame after it (missing: 60 s)."""
    found = []
    for citizen in arrivals:
        times = [t for t, k in citizen if k == kind and t >= t0]
        found.append((min(times) - t0) * 1000 if times else 60_000.0)
    return found


def publisher_url(tmp: Path) -> str:
    """nchan's loopback publisher in the site that bench/hls_serve.py wrote into `tmp`."""
    site = (tmp / "seance.conf").read_text()
    port = re.search(r"listen 127\.0\.0\.1:(\d+);\s*server_name _;", site)
    if port is None:
        sys.exit("no nchan publisher server in the site: update bench/eventsource.py")
    return f"http://127.0.0.1:{port.group(1)}/_nchan/pub/"


def initial_frame(sitting) -> str:
    """The public snapshot a page is given, as the fan-out's frames carry it."""
    from django.core.serializers.json import DjangoJSONEncoder

    from sessions.live.snapshots import public_snapshot

    state = public_snapshot(sitting)
    return json.dumps({"type": "sittings.snapshot", "state": state}, cls=DjangoJSONEncoder)


@contextmanager
def public_front(daphne_port: int) -> Iterator[int]:
    """The shipped nginx in front of Daphne (to start on `daphne_port`), its nchan
    publisher named to Séance as production.env does, in this process (whose services
    publish) and for the Daphne to come; yields the port citizens connect to."""
    from django.conf import settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-front-"))
    tmp.chmod(0o755)
    port = free_port()
    nginx = start_nginx(tmp, port, daphne_port)
    url = publisher_url(tmp)
    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = os.environ["SEANCE_PUBLIC_FEED_PUBLISH_URL"] = url
    try:
        yield port
    finally:
        settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = ""
        os.environ.pop("SEANCE_PUBLIC_FEED_PUBLISH_URL", None)
        stop([nginx])
        shutil.rmtree(tmp, ignore_errors=True)
