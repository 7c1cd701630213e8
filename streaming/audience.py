"""How many people watch a sitting: the public page and the embedded player each hold a
websocket while open, and the count is the websockets that are really connected.

Each counted connection is registered with the time it was last seen; the process that
holds it sees it again every `heartbeat()` seconds while it stays open. The count is the
connections seen within the last `SEANCE_VIEWER_TTL` seconds. A clean disconnect removes
its connection at once; a process that dies (Daphne killed, out of memory, the machine
restarted) runs no disconnect, but stops seeing its connections, and they stop counting
within the TTL (issue 14: a counter decremented on clean disconnects only stayed inflated
after every crash).

Where the registrations live: with Redis (REDIS_URL, every Daphne process of a sitting
sharing it), one sorted set per sitting scored by the last-seen time; without it, this
process's memory (the in-memory channel layer serves a single process anyway). Players
that fetch the HLS straight from nginx without the page are not counted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from functools import cache
from typing import Protocol

from asgiref.sync import sync_to_async
from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_TTL = 45.0


def ttl() -> float:
    """Seconds after which a connection that nobody saw again stops counting."""
    return float(getattr(settings, "SEANCE_VIEWER_TTL", DEFAULT_TTL))


def heartbeat() -> float:
    """How often a process sees its open connections again: three times per TTL, so a
    late or lost refresh never drops a connection that is still there."""
    return ttl() / 3


class Registry(Protocol):
    def seen(self, sitting_id: int, connections: Iterable[str], at: float) -> None: ...
    def gone(self, sitting_id: int, connection: str) -> None: ...
    def count(self, sitting_id: int, since: float) -> int: ...


class MemoryRegistry:
    """This process's connections, by sitting: {connection: last seen}."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sittings: dict[int, dict[str, float]] = {}

    def seen(self, sitting_id: int, connections: Iterable[str], at: float) -> None:
        with self.lock:
            self.sittings.setdefault(sitting_id, {}).update(dict.fromkeys(connections, at))

    def gone(self, sitting_id: int, connection: str) -> None:
        with self.lock:
            self.sittings.get(sitting_id, {}).pop(connection, None)

    def count(self, sitting_id: int, since: float) -> int:
        with self.lock:
            seen = self.sittings.get(sitting_id, {})
            for connection in [c for c, at in seen.items() if at < since]:
                del seen[connection]
            return len(seen)


class RedisRegistry:
    """One sorted set per sitting, member = connection, score = last seen (Unix time)."""

    def __init__(self, url: str) -> None:
        import redis  # optional: only the Redis registry needs it (embedded: in memory)

        self.redis = redis.Redis.from_url(url)

    @staticmethod
    def key(sitting_id: int) -> str:
        return f"seance:viewers:{sitting_id}"

    def seen(self, sitting_id: int, connections: Iterable[str], at: float) -> None:
        mapping = dict.fromkeys(connections, at)
        if not mapping:
            return
        pipe = self.redis.pipeline()
        pipe.zadd(self.key(sitting_id), mapping)
        pipe.expire(self.key(sitting_id), int(ttl() * 2) + 1)  # a sitting nobody watches
        pipe.execute()

    def gone(self, sitting_id: int, connection: str) -> None:
        self.redis.zrem(self.key(sitting_id), connection)

    def count(self, sitting_id: int, since: float) -> int:
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(self.key(sitting_id), "-inf", f"({since}")
        pipe.zcard(self.key(sitting_id))
        return int(pipe.execute()[1])


@cache
def _registry_for(url: str) -> Registry:
    return RedisRegistry(url) if url else MemoryRegistry()


def registry() -> Registry:
    return _registry_for(getattr(settings, "REDIS_URL", ""))


# This process's open, counted connections, by sitting: what its heartbeat sees again.
_open: dict[int, set[str]] = {}
_beat: asyncio.Task[None] | None = None


def connection_seen(sitting_id: int, connection: str, at: float | None = None) -> None:
    """Register (or refresh) one connection as seen now, or at `at`."""
    registry().seen(sitting_id, [connection], time.time() if at is None else at)


def viewers(sitting_id: int, now: float | None = None) -> int:
    """The connections of the sitting seen within the TTL: what is really connected."""
    return registry().count(sitting_id, (time.time() if now is None else now) - ttl())


async def viewer_joined(sitting_id: int, connection: str) -> None:
    """A public page or player connected (`connection`: its channel name)."""
    global _beat
    _open.setdefault(sitting_id, set()).add(connection)
    await sync_to_async(connection_seen, thread_sensitive=False)(sitting_id, connection)
    if _beat is None or _beat.done() or _beat.get_loop() is not asyncio.get_running_loop():
        _beat = asyncio.get_running_loop().create_task(_see_open_connections())


async def viewer_left(sitting_id: int, connection: str) -> None:
    """A clean disconnect: the connection stops counting at once."""
    global _beat
    _open.get(sitting_id, set()).discard(connection)
    if not _open.get(sitting_id):
        _open.pop(sitting_id, None)
    await sync_to_async(registry().gone, thread_sensitive=False)(sitting_id, connection)
    if not _open and _beat is not None and _beat.get_loop() is asyncio.get_running_loop():
        _beat.cancel()
        _beat = None


def _see_all(open_now: dict[int, list[str]]) -> None:
    at = time.time()
    for sitting_id, connections in open_now.items():
        registry().seen(sitting_id, connections, at)


async def _see_open_connections() -> None:
    """The process's heartbeat: one write per sitting and period, whatever the audience."""
    while _open:
        await asyncio.sleep(heartbeat())
        snapshot = {sitting_id: list(conns) for sitting_id, conns in _open.items() if conns}
        try:
            await sync_to_async(_see_all, thread_sensitive=False)(snapshot)
        except Exception:  # Redis away for a moment: the next beat tries again
            log.warning("viewer heartbeat failed", exc_info=True)
