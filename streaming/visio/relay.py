"""The embedded media relay, for small meetings when no Janus is configured: aiortc in
the Daphne process. Each participant publishes on one peer connection and receives each
other participant on a connection of its own, offered by the server.

Its limit: aiortc decodes what it receives and encodes again for each receiver, in
Python's process, so it suits a handful of participants (README: about six on two
cores); real sittings use Janus, which forwards packets without decoding them."""

from __future__ import annotations

import asyncio
import fractions
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from av import AudioFrame

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]


class GatedAudio(MediaStreamTrack):
    """A publisher's sound as one receiver gets it: silence while the publisher is muted
    by the chair, whatever their browser sends."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack, publisher: Participant) -> None:
        super().__init__()
        self.source = source
        self.publisher = publisher

    async def recv(self) -> AudioFrame:  # type: ignore[override]
        frame = await self.source.recv()
        assert isinstance(frame, AudioFrame)
        if not self.publisher.muted:
            return frame
        silent = AudioFrame(
            format=frame.format.name, layout=frame.layout.name, samples=frame.samples
        )
        for plane in silent.planes:
            plane.update(bytes(plane.buffer_size))
        silent.sample_rate, silent.pts = frame.sample_rate, frame.pts
        silent.time_base = frame.time_base or fractions.Fraction(1, frame.sample_rate)
        return silent


@dataclass(eq=False)
class Participant:
    id: str
    member_id: int
    name: str
    send: Send
    audio_only: bool = False
    muted: bool = False
    tracks: dict[str, MediaStreamTrack] = field(default_factory=dict)
    # The backend's connections: aiortc peer connections, or Janus handles.
    publisher: Any = None
    receivers: dict[str, Any] = field(default_factory=dict)  # by publisher id
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    live: bool = False
    published: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "member": self.member_id,
            "name": self.name,
            "muted": self.muted,
            "audio_only": self.audio_only,
        }


class RelayRoom:
    """One sitting's meeting in this process."""

    def __init__(self) -> None:
        self.participants: dict[str, Participant] = {}
        self.relay = MediaRelay()
        self.lock = asyncio.Lock()

    async def join(self, participant: Participant) -> None:
        async with self.lock:
            self.participants[participant.id] = participant

    async def publish(self, participant: Participant, offer: str) -> str:
        """The browser's offer of its camera and microphone; returns the answer, then
        offers the new tracks to everyone else, and everyone else's to it."""
        pc = RTCPeerConnection()
        participant.publisher = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            participant.tracks[track.kind] = track

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription.sdp
        asyncio.get_running_loop().create_task(self._connect_all(participant))
        return answer

    async def _connect_all(self, newcomer: Participant) -> None:
        for other in list(self.participants.values()):
            if other is newcomer:
                continue
            if other.tracks:
                await self.offer_feed(newcomer, other)
            await self.offer_feed(other, newcomer)

    async def offer_feed(self, receiver: Participant, publisher: Participant) -> None:
        """A connection that carries `publisher` to `receiver`, offered by the server."""
        old = receiver.receivers.pop(publisher.id, None)
        if old is not None:
            await old.close()
        pc = RTCPeerConnection()
        receiver.receivers[publisher.id] = pc
        for kind, track in publisher.tracks.items():
            if kind == "video" and receiver.audio_only:
                continue
            relayed = self.relay.subscribe(track)
            pc.addTrack(GatedAudio(relayed, publisher) if kind == "audio" else relayed)
        await pc.setLocalDescription(await pc.createOffer())
        await receiver.send({"type": "offer", "feed": publisher.id, "sdp": pc.localDescription.sdp})

    async def answer(self, receiver: Participant, feed: str, sdp: str) -> None:
        pc = receiver.receivers.get(feed)
        if pc is None:
            raise KeyError(feed)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def leave(self, participant: Participant) -> None:
        async with self.lock:
            self.participants.pop(participant.id, None)
        connections = [participant.publisher, *participant.receivers.values()]
        for other in self.participants.values():
            pc = other.receivers.pop(participant.id, None)
            connections.append(pc)
            await other.send({"type": "left", "feed": participant.id})
        for pc in connections:
            if pc is not None:
                await pc.close()
        await self.announce()

    async def announce(self) -> None:
        people = [p.describe() for p in self.participants.values()]
        for participant in list(self.participants.values()):
            await participant.send({"type": "participants", "participants": people})

    async def set_muted(self, participant: Participant, muted: bool) -> None:
        """The relay sends silence instead (GatedAudio), whatever the browser sends."""
        participant.muted = muted

    def find_member(self, member_id: int) -> list[Participant]:
        return [p for p in self.participants.values() if p.member_id == member_id]


_rooms: dict[int, RelayRoom] = {}


def room_for(sitting_id: int) -> RelayRoom:
    if sitting_id not in _rooms:
        _rooms[sitting_id] = RelayRoom()
    return _rooms[sitting_id]
