"""A participant's one multistream subscription in a Janus room (feed "room" in the
browser protocol): its subscriber handle, where its renegotiation stands, the streams it
carries, and how Janus's own offers to it are told apart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from streaming.conference.peer import PeerHandle

from .meeting import Participant

ROOM_FEED = "room"  # the one subscription of each participant, in the browser protocol


@dataclass(eq=False)
class Subscription:
    """A participant's one subscriber handle, and where its renegotiation stands."""

    peer: PeerHandle | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    configured: dict[str, dict[str, Any]] = field(default_factory=dict)  # by mid


def is_offer(event: dict[str, Any]) -> bool:
    return bool((event.get("jsep") or {}).get("type") == "offer")


def sub_of(participant: Participant) -> Subscription:
    subscription: Subscription = participant.receivers[ROOM_FEED]
    return subscription


def subscribed_feeds(peer: PeerHandle) -> set[tuple[int, str]]:
    return {
        (int(s["feed_id"]), str(s["feed_mid"]))
        for s in peer.streams
        if s.get("active", True) and "feed_id" in s and "feed_mid" in s
    }
