"""How many people watch a sitting: the public page and the embedded player each hold a
websocket while open. Counted in the cache, which every server process shares when Redis
is configured. (Players that fetch the HLS straight from nginx without the page are not
counted.)"""

from __future__ import annotations

import contextlib

from django.core.cache import cache

TTL = 24 * 3600


def _key(sitting_id: int) -> str:
    return f"seance:viewers:{sitting_id}"


async def viewer_joined(sitting_id: int) -> None:
    await cache.aadd(_key(sitting_id), 0, TTL)
    await cache.aincr(_key(sitting_id))


async def viewer_left(sitting_id: int) -> None:
    with contextlib.suppress(ValueError):  # the count expired meanwhile
        await cache.adecr(_key(sitting_id))


def viewers(sitting_id: int) -> int:
    return max(0, int(cache.get(_key(sitting_id), 0)))
