"""The ballots' counts, live (the votes' other events carry the sitting's snapshots,
sessions.live.fanout).

Each ballot goes to the chair's desk at once. The seats and the public page get the same
count, coalesced: at most one update per SEAT_INTERVAL to the seats and per
PUBLIC_INTERVAL to the public page, the latest count always sent (a trailing update
follows the last ballot), so that a ballot event to 1,150 clients is not repeated 170
times over. On a server whose loop runs late (a burst of ballots), the interval
doubles up to MAX_INTERVAL: the acknowledgements go first, the count follows.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from council.domain_events import BallotCast, VoteClosed
from council.events import frame_text
from voting.models import Vote
from voting.selectors import vote_count, voted_ids

from ..realtime import desk_group, private_group, public_group
from . import public_feed

SEAT_INTERVAL = 0.5  # seconds at least between two count updates to the seats
PUBLIC_INTERVAL = 2.0  # and to the public page (1,000 viewers: each update costs 1,000 sends)
MAX_INTERVAL = 4.0  # seconds between two count updates at most, on a saturated server
LOOP_LAG = 0.05  # seconds late that say the server's loop is busy

# (vote id, group) -> {"latest": (cast, text), "last": loop time, "handle": timer, ...}
_counts: dict[tuple[int, str], dict[str, Any]] = {}
# A desk's latest count being sent (held here: the loop keeps weak references to tasks).
_desk_sends: dict[str, asyncio.Task[None]] = {}


def ballot_cast(event: BallotCast) -> None:
    """After the ballot's commit: the count to the chair's desk at once (and, for a public
    vote, who voted); the same count to the seats and, outside a closed session, to the
    public page, coalesced."""
    vote = Vote.objects.select_related("sitting").get(pk=event.vote)
    voted = voted_ids(vote)
    count = vote_count(vote, voted)
    data = {"vote": vote.id, "cast": count["cast"], "voices": count["voices"], "count": count}
    desk = {**data, "voted": [] if vote.is_secret else voted}
    _on_loop(_desk_send, desk_group(vote.sitting_id), frame_text(event.wire, {"data": desk}))
    groups = [(private_group(vote.sitting_id), SEAT_INTERVAL)]
    if not vote.sitting.in_closed_session:
        groups.append((public_group(vote.sitting_id), PUBLIC_INTERVAL))
    text = frame_text(event.wire, {"data": data})
    for group, interval in groups:
        _on_loop(_count_offer, vote.id, group, interval, count["cast"], text)


def vote_closed(event: VoteClosed) -> None:
    """The vote is closed: its snapshot, sent just before, carries the final count."""
    _on_loop(_forget, event.vote)


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop when this thread was started by sync_to_async (a consumer's
    or an ASGI view's service call), else None (a command, a plain test)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


def _on_loop(function: Any, *args: Any) -> None:
    """`function(*args)` on the server's loop, in the order asked, without waiting for it
    (the batch's thread goes back to the next batch of ballots)."""
    loop = _main_loop()
    if loop is None:  # no server loop to wait on: send at once, uncoalesced
        if function is _count_offer:
            async_to_sync(_count_send)(args[1], args[4])
        elif function is _desk_send:
            async_to_sync(_count_send)(*args)
        return
    loop.call_soon_threadsafe(function, *args)


def _desk_send(group: str, text: str) -> None:
    """On the server's loop: the count to the desk at once (each batch's), after the
    previous one to the same desk."""
    previous = _desk_sends.get(group)
    task = asyncio.get_running_loop().create_task(_after(previous, group, text))
    _desk_sends[group] = task
    task.add_done_callback(lambda done: _desk_sends.get(group) is done and _desk_sends.pop(group))


async def _after(previous: asyncio.Task[None] | None, group: str, text: str) -> None:
    if previous is not None:
        await asyncio.wait([previous])  # sent or failed: this one goes next either way
    await _count_send(group, text)


def _count_offer(vote_id: int, group: str, interval: float, cast: int, text: str) -> None:
    """On the server's loop: keep the highest count for this audience; send it now if its
    last update is older than its interval, else once the interval has run."""
    loop = asyncio.get_running_loop()
    entry = _counts.get((vote_id, group))
    if entry is None or entry["loop"] is not loop:  # new, or left by a loop now gone
        # The first count waits its interval too: the ballots cast at the vote's opening
        # come in a burst, whose acknowledgements go before a send to every page.
        entry = {"latest": None, "last": loop.time(), "handle": None, "interval": interval}
        entry.update(loop=loop, floor=interval)
        _counts[(vote_id, group)] = entry
    if entry["latest"] is None or cast >= entry["latest"][0]:
        entry["latest"] = (cast, text)
    if entry["handle"] is not None:
        return
    due = max(entry["last"] + entry["interval"], loop.time())
    entry["handle"] = loop.call_at(due, _count_flush, (vote_id, group), due)


def _count_flush(key: tuple[int, str], due: float) -> None:
    """Send the latest count. A loop that runs this late is busy (a burst of ballots being
    acknowledged): the interval doubles, up to MAX_INTERVAL, so that counts never crowd out
    the acknowledgements; it comes back to the audience's own once the loop keeps time."""
    entry = _counts.get(key)
    if entry is None or entry["latest"] is None:
        return
    loop = asyncio.get_running_loop()
    late = loop.time() - due > LOOP_LAG
    interval = entry["interval"] * 2 if late else entry["interval"] / 2
    entry["interval"] = min(max(interval, entry["floor"]), MAX_INTERVAL)
    _cast, text = entry["latest"]
    entry.update(latest=None, handle=None, last=loop.time())
    loop.create_task(_count_send(key[1], text, entry))


def _forget(vote_id: int) -> None:
    """The vote is closed: its snapshot, sent before, carries the final count."""
    for key in [k for k in _counts if k[0] == vote_id]:
        entry = _counts.pop(key)
        if entry["handle"] is not None:
            entry["handle"].cancel()


async def _count_send(group: str, text: str, entry: dict[str, Any] | None = None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(group, {"type": "relay.event", "text": text})
    await public_feed.publish_count(group, text)  # a public group's: through nginx too
    if entry is not None:  # the interval runs from the end of the send
        entry["last"] = asyncio.get_running_loop().time()
