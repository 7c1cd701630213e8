"""One participant's VideoRoom handle (`PeerHandle`), as a publisher (its camera) or as a
subscriber (the feeds it watches): Django relays the browser's SDP and candidates through
it. Browsers never talk to the Janus API."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from .janus import (
    REQUEST_TIMEOUT,
    VIDEOROOM,
    JanusError,
    JanusSession,
    JsonDict,
    PluginHandle,
    without_none,
)
from .sdp import sdp_mids

Feed = int | tuple[int, str]  # a publisher, or one of its streams by its mid


def _stream(feed: Feed) -> JsonDict:
    if isinstance(feed, tuple):
        return {"feed": feed[0], "mid": feed[1]}
    return {"feed": feed}


class PeerHandle:
    """One participant's VideoRoom handle: as a publisher (its camera) or as a
    subscriber (the feeds it watches). Django relays the browser's SDP and candidates."""

    def __init__(self, handle: PluginHandle):
        self.handle = handle
        self.room: int | None = None
        self.participant_id: int | None = None
        self.private_id: int | None = None
        self.mids: dict[str, list[str]] = {}
        # As a subscriber: Janus's description of each m-line ({"mid", "type", "feed_id",
        # "active"...}), kept up to date by subscribe and update.
        self.streams: list[JsonDict] = []
        self.simulcast = False  # as a publisher: whether its video has simulcast layers

    @classmethod
    async def attach(cls, session: JanusSession) -> PeerHandle:
        return cls(await session.attach(VIDEOROOM))

    async def join_publisher(self, room: int, display: str, pin: str | None = None) -> JsonDict:
        body = {"request": "join", "ptype": "publisher", "room": room, "display": display}
        data = (await self.handle.message(without_none(body | {"pin": pin}))).data
        self.room, self.participant_id = room, int(data["id"])
        self.private_id = data.get("private_id")
        return data

    async def publish(self, jsep_offer: JsonDict, *, display: str | None = None) -> JsonDict:
        """The browser's offer in, Janus's answer out."""
        body = without_none({"request": "publish", "display": display})
        reply = await self.handle.message(body, jsep=jsep_offer)
        if reply.jsep is None:
            raise JanusError(0, "publish answered without an SDP answer")
        self.mids = sdp_mids(str(jsep_offer.get("sdp", "")))
        self.simulcast = "a=simulcast:" in str(jsep_offer.get("sdp", ""))
        return reply.jsep

    async def unpublish(self) -> None:
        await self.handle.message({"request": "unpublish"})

    async def subscribe(
        self,
        room: int,
        feeds: Iterable[Feed],
        pin: str | None = None,
        private_id: int | None = None,
    ) -> JsonDict:
        """Join as a subscriber to `feeds`: publisher ids (all their streams) or (publisher
        id, their mid) pairs; Janus's offer out."""
        body = {
            "request": "join",
            "ptype": "subscriber",
            "room": room,
            "streams": [_stream(feed) for feed in feeds],
            "pin": pin,
            "private_id": private_id,
        }
        reply = await self.handle.message(without_none(body))
        if reply.jsep is None:
            raise JanusError(0, "subscribe answered without an SDP offer")
        self.room = room
        self.streams = list(reply.data.get("streams", []))
        return reply.jsep

    async def update(
        self, subscribe: Iterable[Feed] = (), unsubscribe: Iterable[Feed] = ()
    ) -> JsonDict:
        """Add and remove feeds (or single streams, as for `subscribe`) of a multistream
        subscription; Janus's new offer out (answered with `start`), `streams` updated.
        Janus refuses a renegotiation while one is still unanswered."""
        body: JsonDict = {"request": "update"}
        for key, feeds in (("subscribe", subscribe), ("unsubscribe", unsubscribe)):
            if listed := [_stream(feed) for feed in feeds]:
                body[key] = listed  # Janus refuses an empty list
        reply = await self.handle.message(body)
        if reply.jsep is None:
            raise JanusError(0, "update answered without an SDP offer")
        self.streams = list(reply.data.get("streams", []))
        return reply.jsep

    async def configure_streams(self, streams: Iterable[JsonDict]) -> None:
        """Per subscribed m-line: {"mid", "send": bool, "substream": 0-2 (simulcast
        layer, 0 the smallest)}. Pausing a video costs no renegotiation."""
        await self.handle.message({"request": "configure", "streams": list(streams)})

    async def request_keyframe(self) -> None:
        """As a publisher: Janus asks the browser for a key frame (PLI)."""
        await self.handle.message({"request": "configure", "keyframe": True})

    async def start(self, jsep_answer: JsonDict) -> JsonDict:
        """The browser's answer to the subscription offer."""
        return (await self.handle.message({"request": "start"}, jsep=jsep_answer)).data

    async def trickle(self, candidate: JsonDict | None) -> None:
        await self.handle.trickle(candidate)

    async def next_event(self, timeout: float = REQUEST_TIMEOUT) -> JsonDict:
        """Janus's next word about this handle, for Django to relay: "trickle" (one of
        Janus's candidates, or {"completed": true}, since Janus trickles fully),
        "webrtcup", "media", "slowlink", "hangup", plugin "event"s (talking, publishers
        joining or leaving, being kicked or muted)."""
        return await self.handle.next_event(timeout)

    async def leave(self) -> None:
        with contextlib.suppress(JanusError):
            await self.handle.message({"request": "leave"})

    async def detach(self) -> None:
        await self.handle.detach()
