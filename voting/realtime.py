"""Vote events: the sitting's snapshots carry the vote, so every page follows it.

Each ballot goes to the chair's desk at once. The seats and the public page get the same
count, coalesced: at most COUNT_RATE updates per second per vote, the latest count always
sent (a trailing update follows the last ballot), so that no page's count is more than
1 / COUNT_RATE s behind the desk's while a ballot event to 1,150 clients is not repeated
170 times over.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from council.events import send_event_on_commit
from sessions.realtime import broadcast, desk_group, private_group, public_group

from .models import Vote
from .selectors import vote_count, voted_ids

COUNT_RATE = 2  # count updates per second, per vote, to the seats and the public page

# vote id -> {"latest": (cast, groups, text), "last": monotonic time, "handle": timer}
_counts: dict[int, dict[str, Any]] = {}


def vote_broadcast(vote: Vote, event: str) -> None:
    broadcast(vote.sitting, f"voting.{event}", vote=vote.id)
    if event == "vote_closed":
        transaction.on_commit(lambda: _on_loop(_forget, vote.id))


def ballot_broadcast(vote: Vote, member_id: int) -> None:
    """Each ballot to the chair's desk (the count, and for a public vote who voted); the
    same count to the seats and, outside a closed session, to the public page, coalesced."""
    voted = voted_ids(vote)
    count = vote_count(vote, voted)
    data = {"vote": vote.id, "cast": count["cast"], "voices": count["voices"], "count": count}
    desk = {**data, "voted": [] if vote.is_secret else voted}
    send_event_on_commit(desk_group(vote.sitting_id), "voting.ballot_cast", {"data": desk})
    groups = [private_group(vote.sitting_id)]
    if not vote.sitting.in_closed_session:
        groups.append(public_group(vote.sitting_id))
    text = json.dumps({"type": "voting.ballot_cast", "data": data})
    transaction.on_commit(lambda: _on_loop(_count_offer, vote.id, count["cast"], groups, text))


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this thread was started by sync_to_async (a consumer's
    or an ASGI view's service call), else None (a command, a plain test)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


def _on_loop(function: Any, *args: Any) -> None:
    loop = _main_loop()
    if loop is None:  # no server loop to wait on: send at once, uncoalesced
        if function is _count_offer:
            async_to_sync(_count_send)(args[2], args[3])
        return
    loop.call_soon_threadsafe(function, *args)


def _count_offer(vote_id: int, cast: int, groups: list[str], text: str) -> None:
    """On the server's loop: keep the highest count, send now if the last update is older
    than 1 / COUNT_RATE s, else once that time has come."""
    entry = _counts.setdefault(vote_id, {"latest": None, "last": 0.0, "handle": None})
    if entry["latest"] is None or cast >= entry["latest"][0]:
        entry["latest"] = (cast, groups, text)
    if entry["handle"] is not None:
        return
    wait = entry["last"] + 1 / COUNT_RATE - time.monotonic()
    loop = asyncio.get_running_loop()
    entry["handle"] = loop.call_later(max(wait, 0), _count_flush, vote_id)


def _count_flush(vote_id: int) -> None:
    entry = _counts.get(vote_id)
    if entry is None or entry["latest"] is None:
        return
    _cast, groups, text = entry["latest"]
    entry.update(latest=None, handle=None, last=time.monotonic())
    asyncio.get_running_loop().create_task(_count_send(groups, text))


def _forget(vote_id: int) -> None:
    """The vote is closed: its snapshot, sent before, carries the final count."""
    entry = _counts.pop(vote_id, None)
    if entry and entry["handle"] is not None:
        entry["handle"].cancel()


async def _count_send(groups: list[str], text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        await layer.group_send(group, {"type": "relay.event", "text": text})
