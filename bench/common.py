"""Shared by the benchmarks: a PostgreSQL database, an open sitting of N councillors with
sessions, Daphne in a subprocess, and websocket clients."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/seance_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
os.environ.setdefault("SEANCE_VAR_DIR", "/tmp/seance-bench-var")
TIMEOUT = 60


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fresh_django() -> None:
    """Set Django up on an emptied, migrated database and an emptied Redis database."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ensure_database()
    import django

    django.setup()
    from django.conf import settings

    # Benchmark accounts log in by session cookie: no need for 1,000 PBKDF2 rounds each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import redis
    from django.core.management import call_command

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    # As council/asgi.py does for the server: the clients' full collections walk only what
    # the run makes, so that they pause the measurements (ours and the baselines) less.
    gc.freeze()


def session_cookie(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


@contextmanager
def daphne():
    """Daphne on a free loopback port, with the benchmark's database and Redis."""
    with daphne_process() as (port, _pid):
        yield port


@contextmanager
def daphne_process(port: int = 0):
    """As `daphne`, giving its port and its process id (py-spy's with BENCH_PROFILE); on
    `port` if given (an nginx in front already names it), else a free one."""
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    command = [
        str(ROOT / ".venv/bin/daphne"),
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "council.asgi:application",
    ]
    if os.environ.get("BENCH_PROFILE"):  # a py-spy profile of the server, for a look inside
        command = [
            str(ROOT / ".venv/bin/py-spy"),
            "record",
            "--nonblocking",  # no pause of the server at each sample
            "--format",
            "raw",
            "-o",
            os.environ["BENCH_PROFILE"],
            "--",
            *command,
        ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port, process.pid
    finally:
        if os.environ.get("BENCH_PROFILE"):
            process.send_signal(signal.SIGINT)  # py-spy writes its profile on SIGINT
        else:
            process.terminate()
        process.wait(30)


async def connect_clients(port: int, sitting_id: int, cookies: list[str], public: int):
    """Seat clients (one per cookie) and public clients, each past its first snapshot."""
    seats = [await client(port, sitting_id, "seat", cookie) for cookie in cookies]
    viewers = []
    for start in range(0, public, 100):
        viewers += await asyncio.gather(
            *(client(port, sitting_id, "public", None) for _ in range(min(100, public - start)))
        )
    return seats, viewers


async def client(port: int, sitting_id: int, surface: str, cookie: str | None):
    """A websocket on the sitting's `surface` (seat, public, chair), past its first
    snapshot."""
    import websockets

    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/sittings/{sitting_id}/{surface}/",
        additional_headers=headers,
        max_size=2**22,
        open_timeout=TIMEOUT,
    )
    first = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert first["type"] == "sittings.snapshot", first
    return ws


async def next_matching(ws, predicate, deadline: float) -> tuple[dict[str, Any], float]:
    """The next message `predicate` accepts and the perf_counter time it arrived;
    TimeoutError past the deadline."""
    while True:
        left = deadline - time.monotonic()
        message = json.loads(await asyncio.wait_for(ws.recv(), max(0.05, left)))
        if predicate(message):
            return message, time.perf_counter()


async def first_of(ws, event_type: str, deadline: float) -> float | None:
    """The time at which `ws` receives `event_type`, or None past the deadline. Told by
    the frame's head, which names its type (council.events.frame_text), not decoded: the
    bench's clients share one process and its loop, where each page decodes its own on
    its own machine, so decoding them in turn here would add 150 decodings to the last
    one's delay (as the EventSources and the bare PUBLISH's subscribers do not)."""
    head = b'{"type": "' + event_type.encode() + b'"'
    try:
        while True:
            left = max(0.05, deadline - time.monotonic())
            frame = await asyncio.wait_for(ws.recv(decode=False), left)
            if frame.startswith(head):
                return time.perf_counter()
    except TimeoutError:
        return None


async def bare_publish(
    subscribers: int, changes: int, before: Callable[[], Awaitable[None]] | None = None
) -> list[float]:
    """The baseline of a fan-out: `changes` bare Redis PUBLISHes, each to `subscribers`
    subscribers in this process; ms from each publish (from `before`, if given: the bare
    write the change commits first) to each subscriber's receipt."""
    import redis.asyncio as redis

    url = os.environ["REDIS_URL"]
    pubsubs = []
    for _ in range(subscribers):
        pubsub = redis.Redis.from_url(url).pubsub()
        await pubsub.subscribe("bench-fanout")
        await pubsub.get_message(timeout=1)  # the subscribe confirmation
        pubsubs.append(pubsub)
    publisher = redis.Redis.from_url(url)
    times: list[float] = []

    async def receive(pubsub, deadline):
        while time.monotonic() < deadline:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
            if message:
                return time.perf_counter()
        return None

    for n in range(changes):
        deadline = time.monotonic() + 30
        waiting = [asyncio.ensure_future(receive(s, deadline)) for s in pubsubs]
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        if before is not None:
            await before()
        await publisher.publish("bench-fanout", f"change {n}")
        times += [(at - start) * 1000 for at in await asyncio.gather(*waiting) if at]
    for s in pubsubs:
        await s.aclose()
    await publisher.aclose()
    return times


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def last_line(
    metric: str, value: float, unit: str, baseline: float, target: float, **extra: Any
) -> str:
    return json.dumps(
        {
            "metric": metric,
            "value": round(value, 1),
            "unit": unit,
            "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 2) if baseline else None,
            "target": target,
            **extra,
        }
    )
