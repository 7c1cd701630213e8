"""The end of a councillor's video connection, as presence (R26, R27;
sessions.services.media_presence).

A clean leave (the councillor's "Quitter": a `leave` frame, or the page closing its
socket with 1000) is a departure at once. A connection that drops (the network, a
crashed tab: any other close) is given the grace period to come back, and is settled
when that period ends: this process sweeps then, not at the broadcast watchdog's next
round or at the sitting's next event. The watchdog still sweeps every second, for a
server that went away before its own sweep."""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from sessions.services import media_left, media_lost, media_sweep
from sessions.services.media_presence import grace

logger = logging.getLogger(__name__)

CLEAN_CLOSE = 1000  # what the page sends when the councillor leaves (static/js/visio.js)
# After the grace period: the sweep takes the losses older than it.
SWEEP_MARGIN = 0.2
_sweeps: set[asyncio.Task[None]] = set()  # kept until done (the loop holds tasks weakly)


async def media_gone(*, channel: str, clean: bool) -> None:
    """Record the end of `channel`'s media: the departure now if `clean`, else the loss,
    and its sweep when the grace period ends."""
    if clean:
        await database_sync_to_async(media_left)(channel=channel)
        return
    connection = await database_sync_to_async(media_lost)(channel=channel)
    if connection is not None:
        sweep_later(grace().total_seconds() + SWEEP_MARGIN)


def sweep_later(delay: float) -> None:
    task = asyncio.get_running_loop().create_task(_sweep_after(delay))
    _sweeps.add(task)
    task.add_done_callback(_sweeps.discard)


async def _sweep_after(delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await database_sync_to_async(media_sweep)()
    except Exception:  # the watchdog's sweep will settle it
        logger.exception("video presence sweep")
