"""The councillors' video through Janus (the SFU of real sittings), behind the same
browser protocol as the embedded relay. Django drives Janus over its API: one VideoRoom
per sitting with a secret and the admin key; each participant has a publisher handle and
one subscriber handle per feed it watches; Janus's candidates (it trickles them all) are
passed on to the browser. Janus forwards packets without decoding them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from streaming.conference.admin import Forwarder, VideoRoomAdmin
from streaming.conference.janus import (
    GONE,
    JanusConnection,
    JanusError,
    JanusSession,
    JanusSettings,
)
from streaming.conference.peer import PeerHandle
from streaming.conference.sdp import with_opus_dtx
from streaming.services import remote_input_target

from .derivation import janus_secret
from .janus_forward import forward_speaker, stop_forward
from .janus_subscription import ROOM_FEED, Subscription, is_offer, sub_of, subscribed_feeds
from .meeting import PROGRAMME_FEED, Meeting, NoProgramme, Participant, offer_checked
from .programme_feed import ProgrammeWatch
from .stage import Layer

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
ROOM_EXISTS = 427
ANSWER_TIMEOUT = 15.0


def room_secret(sitting_id: int) -> str:
    """The same in every Daphne process, known to nobody outside the server."""
    return janus_secret("videoroom", sitting_id)


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


class JanusRoom(Meeting):
    """One sitting's meeting, as seen from this process. Each participant has a publisher
    handle (its camera and microphone) and one multistream subscription (feed "room")
    carrying everyone else, renegotiated as publishers come and go; the stage is applied
    by pausing video streams and choosing their simulcast layer, without renegotiation."""

    simulcast = True
    offers_programme = True

    def __init__(self, backend: JanusBackend, sitting_id: int) -> None:
        super().__init__(sitting_id)
        self.backend = backend
        self.room = sitting_id
        self.created = False
        self.forward: tuple[Participant, list[Forwarder]] | None = None

    async def _ensure_room(self) -> tuple[JanusSession, VideoRoomAdmin]:
        session, admin = await self.backend.ready()
        if not self.created:
            secret = room_secret(self.room)
            try:
                await admin.create_room(
                    self.room,
                    secret,
                    description=f"sitting {self.room}",
                    publishers=settings.SEANCE_VISIO_MAX_PUBLISHERS,
                )
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
        participant.receivers[ROOM_FEED] = Subscription()
        self.participants[participant.id] = participant

    async def publish(self, participant: Participant, offer: str) -> str:
        peer: PeerHandle = participant.publisher
        answer = await peer.publish({"type": "offer", "sdp": offer_checked(offer)})
        participant.spawn(self._pump(participant, None, peer))
        if participant.muted:  # muted before its microphone was known to Janus
            await self.set_muted(participant, True)
        return with_opus_dtx(str(answer["sdp"]))

    async def _pump(
        self, participant: Participant, feed: str | None, peer: PeerHandle | ProgrammeWatch
    ) -> None:
        """Janus's words about one handle: its candidates go to the browser; the
        publisher's "webrtcup" brings its feed to everyone else, and its first "media"
        event with "receiving" (Janus got its packets) says its media flows; an offer of
        Janus's own (a feed gone from the subscription) goes to the browser to be
        answered."""
        while True:
            try:
                event = await peer.next_event(timeout=3600)
            except (TimeoutError, *GONE):
                return
            kind = event.get("janus")
            if kind == "trickle":
                candidate = event.get("candidate") or {}
                await participant.send({"type": "candidate", "feed": feed, "candidate": candidate})
            elif kind == "webrtcup" and feed is None:
                participant.live = True
                self.resubscribe_all()
                if self.speaker and participant.member_id == self.speaker:
                    await self._forward_speaker()
            elif kind == "media" and feed is None and event.get("receiving") is True:
                participant.media_flowing.set()
            elif kind == "hangup":
                if feed == ROOM_FEED and participant.id in self.participants:
                    participant.spawn(self._subscribe_again(participant, peer))
                return
            elif isinstance(peer, PeerHandle) and feed == ROOM_FEED and is_offer(event):
                data = event.get("plugindata", {}).get("data", {})
                peer.streams = list(data.get("streams", peer.streams))
                await self._offer(participant, event["jsep"])
                participant.spawn(self._configure_locked(participant, sub_of(participant)))

    async def _subscribe_again(
        self, receiver: Participant, lost: PeerHandle | ProgrammeWatch
    ) -> None:
        """Janus hung the subscription up (its ICE or DTLS failed, as on a link that
        dropped): the browser drops its connection and answers a new subscription, rather
        than staying deaf and blind to the sitting."""
        sub: Subscription = receiver.receivers[ROOM_FEED]
        async with sub.lock:
            if sub.peer is not lost:
                return
            sub.peer = None
            sub.configured.clear()
        logger.warning("sitting %s: %s's subscription hung up, made again", self.room, receiver.id)
        with contextlib.suppress(*GONE):
            await lost.detach()
        await receiver.send({"type": "left", "feed": ROOM_FEED})
        await self._resubscribe(receiver)

    def resubscribe_all(self) -> None:
        for receiver in list(self.participants.values()):
            if receiver.live:
                receiver.spawn(self._resubscribe(receiver))

    async def _resubscribe(self, receiver: Participant) -> None:
        """Bring the receiver's subscription to every live publisher but itself, one
        renegotiation at a time (the next waits for the browser's answer)."""
        sub: Subscription = receiver.receivers[ROOM_FEED]
        async with sub.lock:
            wanted = self._wanted(receiver)
            if sub.peer is None:
                if not wanted:
                    return
                session, _admin = await self._ensure_room()
                sub.peer = await PeerHandle.attach(session)
                receiver.spawn(self._pump(receiver, ROOM_FEED, sub.peer))
                jsep = await sub.peer.subscribe(
                    self.room, sorted(wanted), private_id=receiver.publisher.private_id
                )
            else:
                have = subscribed_feeds(sub.peer)
                if wanted == have:
                    await self._configure(receiver)
                    return
                jsep = await sub.peer.update(sorted(wanted - have), sorted(have - wanted))
            sub.configured.clear()  # Janus starts every new stream in full: pause at once
            await self._configure(receiver)
            await self._offer(receiver, jsep)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(sub.answered.wait(), ANSWER_TIMEOUT)
            await self._configure(receiver)

    def _wanted(self, receiver: Participant) -> set[tuple[int, str]]:
        """The streams the receiver subscribes to: everyone's sound, and the pictures the
        stage shows it (the others' are not even negotiated: half the m-lines, and the
        RTCP that goes with them, in a large sitting)."""
        wanted: set[tuple[int, str]] = set()
        for publisher in self.participants.values():
            if publisher is receiver or not publisher.live:
                continue
            peer: PeerHandle = publisher.publisher
            assert peer.participant_id is not None
            kinds = ["audio"]
            if self.layer_for(receiver, publisher.id) is not Layer.NONE:
                kinds.append("video")
            for kind in kinds:
                wanted.update((peer.participant_id, mid) for mid in peer.mids.get(kind, [])[:1])
        return wanted

    async def _offer(self, receiver: Participant, jsep: dict[str, Any]) -> None:
        sub: Subscription = receiver.receivers[ROOM_FEED]
        assert sub.peer is not None
        sub.answered.clear()
        await receiver.send(
            {"type": "streams", "feed": ROOM_FEED, "streams": self._streams(sub.peer)}
        )
        await receiver.send({"type": "offer", "feed": ROOM_FEED, "sdp": jsep["sdp"]})

    def _streams(self, peer: PeerHandle) -> list[dict[str, Any]]:
        """Which participant each m-line carries, for the browser's tiles."""
        by_feed = self._by_feed()
        return [
            {"mid": s.get("mid"), "kind": s.get("type"), "participant": by_feed[s["feed_id"]].id}
            for s in peer.streams
            if s.get("active", True) and s.get("feed_id") in by_feed
        ]

    def _by_feed(self) -> dict[int, Participant]:
        return {
            p.publisher.participant_id: p
            for p in self.participants.values()
            if p.publisher is not None
        }

    async def _configure(self, receiver: Participant) -> None:
        """The stage as this receiver gets it: each video stream sent or paused, on the
        stage's layer. Only what changed is asked of Janus."""
        sub: Subscription = receiver.receivers[ROOM_FEED]
        if sub.peer is None:
            return
        by_feed, wanted = self._by_feed(), {}
        for stream in sub.peer.streams:
            publisher = by_feed.get(int(stream.get("feed_id") or 0))
            if stream.get("type") != "video" or publisher is None or not stream.get("active", True):
                continue
            layer = self.layer_for(receiver, publisher.id)
            wanted[stream["mid"]] = {
                "mid": stream["mid"],
                "send": layer is not Layer.NONE,
                "substream": max(int(layer), 0),
            }
        changes = [c for mid, c in wanted.items() if sub.configured.get(mid) != c]
        if changes:
            await sub.peer.configure_streams(changes)
            sub.configured.update({c["mid"]: c for c in changes})

    async def restage(self) -> None:
        """Who is seen changed: pictures come into subscriptions or leave them, layers
        change."""
        self.resubscribe_all()
        await self._forward_speaker()

    async def _configure_locked(self, receiver: Participant, sub: Subscription) -> None:
        async with sub.lock:
            await self._configure(receiver)

    async def programme(self, receiver: Participant) -> None:
        """The room's programme, offered as the feed "programme": Janus's Streaming
        mountpoint, fed by the mixer's RTP (the room before the slate, R25)."""
        old = receiver.receivers.pop(PROGRAMME_FEED, None)
        if old is not None:
            with contextlib.suppress(*GONE):
                await old.detach()
        session, _admin = await self._ensure_room()
        watch = await ProgrammeWatch.attach(session, self.sitting_id)
        try:
            offer = await watch.watch()
        except JanusError as error:
            with contextlib.suppress(*GONE):
                await watch.detach()
            raise NoProgramme(
                _("The room's programme is not available: the broadcast has not started.")
            ) from error
        receiver.receivers[PROGRAMME_FEED] = watch
        receiver.spawn(self._pump(receiver, PROGRAMME_FEED, watch))
        await receiver.send({"type": "offer", "feed": PROGRAMME_FEED, "sdp": offer["sdp"]})

    async def answer(self, receiver: Participant, feed: str, sdp: str) -> None:
        target = receiver.receivers.get(feed)
        if isinstance(target, ProgrammeWatch):
            await target.start(sdp)
            return
        if target is None or target.peer is None:
            raise KeyError(feed)
        await target.peer.start({"type": "answer", "sdp": sdp})
        target.answered.set()

    async def set_muted(self, participant: Participant, muted: bool) -> None:
        """Janus stops forwarding the microphone, whatever the browser sends."""
        _session, admin = await self._ensure_room()
        peer: PeerHandle = participant.publisher
        participant.muted = muted
        if peer.participant_id is not None and peer.mids.get("audio"):
            await admin.moderate(
                self.room, peer.participant_id, mids={"audio": peer.mids["audio"]}, mute_audio=muted
            )

    async def _forward_speaker(self) -> None:
        """The speaker's picture and sound into the public programme, as picture in
        picture (janus_forward), when there is a speaker and a broadcast to take them."""
        speakers = [p for p in self.find_member(self.speaker or 0) if p.live]
        target = await database_sync_to_async(remote_input_target)(self.sitting_id)
        current = self.forward
        if current is not None and (not speakers or current[0] is not speakers[0]):
            self.forward = None
            await self._stop_forward(*current)
        if not speakers or target is None or self.forward is not None:
            return
        _session, admin = await self._ensure_room()
        forwarders = await forward_speaker(admin, self.room, speakers[0], target)
        self.forward = (speakers[0], forwarders)

    async def _stop_forward(self, speaker: Participant, forwarders: list[Forwarder]) -> None:
        _session, admin = await self._ensure_room()
        await stop_forward(admin, self.room, speaker, forwarders)

    async def leave(self, participant: Participant) -> None:
        self.participants.pop(participant.id, None)
        if self.forward is not None and self.forward[0] is participant:
            current, self.forward = self.forward, None
            await self._stop_forward(*current)
        for task in participant.tasks:
            task.cancel()
        sub: Subscription = participant.receivers[ROOM_FEED]
        for other in self.participants.values():
            await other.send({"type": "left", "feed": participant.id})
        for peer in (participant.publisher, sub.peer, participant.receivers.get(PROGRAMME_FEED)):
            if peer is not None:
                with contextlib.suppress(*GONE):
                    await peer.leave()
                    await peer.detach()
        self.resubscribe_all()
        await self.announce()


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
