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

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay
from av import AudioFrame, VideoFrame

from .meeting import Meeting, Participant, offer_checked
from .stage import Layer

logger = logging.getLogger(__name__)

# No STUN server: aiortc would otherwise ask Google's for every connection. The server's
# own addresses are what browsers reach.
LOCAL_ONLY = RTCConfiguration(iceServers=[])
# How often a publisher's connection is looked at until its media flows.
MEDIA_POLL_SECONDS = 0.25


class GatedAudio(MediaStreamTrack):
    """A publisher's sound as one receiver gets it: silence while the publisher is muted
    by the chair, whatever their browser sends."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack, publisher: Participant) -> None:
        super().__init__()
        self.source = source
        self.publisher = publisher

    async def recv(self) -> AudioFrame:
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


class GatedVideo(MediaStreamTrack):
    """A publisher's picture as one receiver gets it: only while the stage shows it to
    them (frames are dropped before encoding otherwise)."""

    kind = "video"

    def __init__(
        self, source: MediaStreamTrack, room: RelayRoom, receiver: Participant, publisher: str
    ) -> None:
        super().__init__()
        self.source, self.room = source, room
        self.receiver, self.publisher = receiver, publisher

    async def recv(self) -> VideoFrame:
        while True:
            frame = await self.source.recv()
            assert isinstance(frame, VideoFrame)
            if self.room.layer_for(self.receiver, self.publisher) is not Layer.NONE:
                return frame


class RelayRoom(Meeting):
    """One sitting's meeting in this process."""

    def __init__(self, sitting_id: int) -> None:
        super().__init__(sitting_id)
        self.relay = MediaRelay()
        self.lock = asyncio.Lock()

    async def join(self, participant: Participant) -> None:
        async with self.lock:
            self.participants[participant.id] = participant

    async def publish(self, participant: Participant, offer: str) -> str:
        """The browser's offer of its camera and microphone; returns the answer, then
        offers the new tracks to everyone else, and everyone else's to it."""
        offer_checked(offer)
        pc = RTCPeerConnection(LOCAL_ONLY)
        participant.publisher = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            participant.tracks[track.kind] = track

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription.sdp
        asyncio.get_running_loop().create_task(self._connect_all(participant))
        participant.spawn(self._watch_media(participant, pc))
        return answer

    async def _watch_media(self, participant: Participant, pc: RTCPeerConnection) -> None:
        """The participant's media flows once ICE is connected and RTP packets have come
        in on its connection (aiortc's statistics), whatever was said in the offer."""
        while pc.connectionState not in ("closed", "failed"):
            if pc.iceConnectionState in ("connected", "completed"):
                stats = await pc.getStats()
                received = sum(
                    getattr(s, "packetsReceived", 0) or 0
                    for s in stats.values()
                    if getattr(s, "type", "") == "inbound-rtp"
                )
                if received > 0:
                    participant.media_flowing.set()
                    return
            await asyncio.sleep(MEDIA_POLL_SECONDS)

    async def _connect_all(self, newcomer: Participant) -> None:
        """One at a time, and each pair once: two councillors publishing together would
        otherwise each offer the other's feed, and the second offer would replace the
        first while its answer was on its way."""
        async with self.lock:
            for other in list(self.participants.values()):
                if other is newcomer:
                    continue
                if other.tracks and other.id not in newcomer.receivers:
                    await self.offer_feed(newcomer, other)
                if newcomer.id not in other.receivers:
                    await self.offer_feed(other, newcomer)

    async def offer_feed(self, receiver: Participant, publisher: Participant) -> None:
        """A connection that carries `publisher` to `receiver`, offered by the server."""
        old = receiver.receivers.pop(publisher.id, None)
        if old is not None:
            await old.close()
        pc = RTCPeerConnection(LOCAL_ONLY)
        receiver.receivers[publisher.id] = pc
        for kind, track in publisher.tracks.items():
            if kind == "video" and receiver.audio_only:
                continue
            if kind == "audio":
                pc.addTrack(GatedAudio(self.relay.subscribe(track), publisher))
            else:
                relayed = self.relay.subscribe(track, buffered=False)
                pc.addTrack(GatedVideo(relayed, self, receiver, publisher.id))
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
        for task in participant.tasks:
            task.cancel()
        connections = [participant.publisher, *participant.receivers.values()]
        for other in self.participants.values():
            pc = other.receivers.pop(participant.id, None)
            connections.append(pc)
            await other.send({"type": "left", "feed": participant.id})
        for pc in connections:
            if pc is not None:
                await pc.close()
        await self.announce()

    async def set_muted(self, participant: Participant, muted: bool) -> None:
        """The relay sends silence instead (GatedAudio), whatever the browser sends."""
        participant.muted = muted


_rooms: dict[int, RelayRoom] = {}


def room_for(sitting_id: int) -> RelayRoom:
    if sitting_id not in _rooms:
        _rooms[sitting_id] = RelayRoom(sitting_id)
    return _rooms[sitting_id]
