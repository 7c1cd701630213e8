"""The councillors' video through Janus (the SFU of real sittings), behind the same
browser protocol as the embedded relay. Django drives Janus over its API: one VideoRoom
per sitting with a secret and the admin key; each participant has a publisher handle and
one subscriber handle per feed it watches; Janus's candidates (it trickles them all) are
passed on to the browser. Janus forwards packets without decoding them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging

from django.conf import settings

from streaming.conference.janus import (
    GONE,
    JanusConnection,
    JanusError,
    JanusSession,
    JanusSettings,
    PeerHandle,
    VideoRoomAdmin,
)

from .relay import Participant

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
ROOM_EXISTS = 427


def room_secret(sitting_id: int) -> str:
    """The same in every Daphne process, known to nobody outside the server."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"videoroom-{sitting_id}".encode(), hashlib.sha256).hexdigest()[:32]


class JanusBackend:
    """The process's one connection and session to Janus, opened on first use."""

    def __init__(self, janus: JanusSettings) -> None:
        self.settings = janus
        self.session: JanusSession | None = None
        self.admin: VideoRoomAdmin | None = None
        self.lock = asyncio.Lock()

    async def ready(self) -> tuple[JanusSession, VideoRoomAdmin]:
        async with self.lock:
            if self.session is None or self.session.timed_out:
                connection = await JanusConnection.open(self.settings.url, self.settings.api_secret)
                self.session = await JanusSession.create(connection)
                handle = await self.session.attach(VIDEOROOM)
                self.admin = VideoRoomAdmin(handle, admin_key=self.settings.admin_key)
            assert self.admin is not None
            return self.session, self.admin


class JanusRoom:
    """One sitting's meeting, as seen from this process."""

    def __init__(self, backend: JanusBackend, sitting_id: int) -> None:
        self.backend = backend
        self.room = sitting_id
        self.participants: dict[str, Participant] = {}
        self.created = False

    async def _ensure_room(self) -> tuple[JanusSession, VideoRoomAdmin]:
        session, admin = await self.backend.ready()
        if not self.created:
            secret = room_secret(self.room)
            try:
                await admin.create_room(self.room, secret, description=f"sitting {self.room}")
            except JanusError as error:
                if error.code != ROOM_EXISTS:
                    raise
            admin.secrets[self.room] = secret
            self.created = True
        return session, admin

    async def join(self, participant: Participant) -> None:
        session, _admin = await self._ensure_room()
        peer = await PeerHandle.attach(session)
        await peer.join_publisher(self.room, participant.name)
        participant.publisher = peer
        self.participants[participant.id] = participant

    async def publish(self, participant: Participant, offer: str) -> str:
        peer: PeerHandle = participant.publisher
        answer = await peer.publish({"type": "offer", "sdp": offer})
        participant.tasks.append(
            asyncio.get_running_loop().create_task(self._pump(participant, None, peer))
        )
        return str(answer["sdp"])

    async def _pump(self, participant: Participant, feed: str | None, peer: PeerHandle) -> None:
        """Janus's words about one handle: its candidates go to the browser; the
        publisher's "webrtcup" offers its feed to everyone else."""
        while True:
            try:
                event = await peer.next_event(timeout=3600)
            except GONE:
                return
            except asyncio.CancelledError:
                return
            kind = event.get("janus")
            if kind == "trickle":
                candidate = event.get("candidate") or {}
                await participant.send({"type": "candidate", "feed": feed, "candidate": candidate})
            elif kind == "webrtcup" and feed is None:
                participant.live = True
                await self._connect_all(participant)
            elif kind == "hangup":
                return

    async def _connect_all(self, newcomer: Participant) -> None:
        for other in list(self.participants.values()):
            if other is newcomer or not getattr(other, "live", False):
                continue
            await self.offer_feed(newcomer, other)
            await self.offer_feed(other, newcomer)

    async def offer_feed(self, receiver: Participant, publisher: Participant) -> None:
        session, _admin = await self._ensure_room()
        old = receiver.receivers.pop(publisher.id, None)
        if old is not None:
            with contextlib.suppress(*GONE):
                await old.detach()
        peer = await PeerHandle.attach(session)
        receiver.receivers[publisher.id] = peer
        offer = await peer.subscribe(self.room, [publisher.publisher.participant_id])
        receiver.tasks.append(
            asyncio.get_running_loop().create_task(self._pump(receiver, publisher.id, peer))
        )
        await receiver.send({"type": "offer", "feed": publisher.id, "sdp": offer["sdp"]})

    async def answer(self, receiver: Participant, feed: str, sdp: str) -> None:
        peer = receiver.receivers.get(feed)
        if peer is None:
            raise KeyError(feed)
        await peer.start({"type": "answer", "sdp": sdp})

    async def set_muted(self, participant: Participant, muted: bool) -> None:
        """Janus stops forwarding the microphone, whatever the browser sends."""
        _session, admin = await self._ensure_room()
        peer: PeerHandle = participant.publisher
        participant.muted = muted
        if peer.participant_id is not None and peer.mids.get("audio"):
            await admin.moderate(
                self.room, peer.participant_id, mids={"audio": peer.mids["audio"]}, mute_audio=muted
            )

    async def leave(self, participant: Participant) -> None:
        self.participants.pop(participant.id, None)
        for task in participant.tasks:
            task.cancel()
        handles = [participant.publisher, *participant.receivers.values()]
        for other in self.participants.values():
            handles.append(other.receivers.pop(participant.id, None))
            await other.send({"type": "left", "feed": participant.id})
        for peer in handles:
            if peer is not None:
                with contextlib.suppress(*GONE):
                    await peer.leave()
                    await peer.detach()
        await self.announce()

    async def announce(self) -> None:
        people = [p.describe() for p in self.participants.values()]
        for participant in list(self.participants.values()):
            await participant.send({"type": "participants", "participants": people})

    def find_member(self, member_id: int) -> list[Participant]:
        return [p for p in self.participants.values() if p.member_id == member_id]


_backend: JanusBackend | None = None
_rooms: dict[int, JanusRoom] = {}


def janus_room_for(sitting_id: int, janus: JanusSettings) -> JanusRoom:
    global _backend
    if _backend is None or _backend.settings != janus:
        _backend = JanusBackend(janus)
        _rooms.clear()
    if sitting_id not in _rooms:
        _rooms[sitting_id] = JanusRoom(_backend, sitting_id)
    return _rooms[sitting_id]
