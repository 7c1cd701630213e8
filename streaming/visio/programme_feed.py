"""The room's programme for the remote participants, with WebRTC latency: the mixer sends
the room's picture at one rung of its ladder's size (H.264, taken before the slate: during
a closed session the councillors see the room, the public the slate, R25) and the room's
sound in Opus over plain RTP (graph.RtpOut) to a Janus Streaming mountpoint of the
sitting; each participant watches that mountpoint through its own Streaming handle,
offered to the browser as the feed "programme".

The broadcast runner asks for the mountpoint (`programme_rtp_out`) before it starts the
mixer; the visio consumer attaches a `ProgrammeWatch` on its Janus session. Both derive
the mountpoint's id, secret and PIN from the sitting alone, so they need not talk to each
other, and a runner that starts again (a worker restart) finds the mountpoint it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from django.conf import settings
from websockets.exceptions import WebSocketException

from streaming.conference.admin import StreamingAdmin
from streaming.conference.janus import (
    GONE,
    STREAMING,
    JanusError,
    JanusSession,
    JanusSettings,
    JsonDict,
    PluginHandle,
    janus_session,
)
from streaming.programme.graph import RtpOut

from .derivation import janus_secret

logger = logging.getLogger(__name__)

# The Streaming plugin's errors: no such mountpoint; a "create" whose id is taken.
NO_SUCH_MOUNTPOINT, MOUNTPOINT_EXISTS = 455, 456
# Mountpoint ids of the programmes: clear of the ids people use for hand-made mountpoints
# (Debian's samples start at 1), the same on every process.
MOUNTPOINT_BASE = 1_000_000
# What the mixer sends: the mountpoint must announce the same (graph.RtpOut's defaults).
VIDEO_CODEC, VIDEO_PT = "h264", 96
VIDEO_FMTP = "profile-level-id=42e01f;packetization-mode=1"
AUDIO_CODEC, AUDIO_PT = "opus", 111


def mountpoint_id(sitting_id: int) -> int:
    return MOUNTPOINT_BASE + sitting_id


def _derived(purpose: str, sitting_id: int) -> str:
    """The same in every process (runner, Daphne), known to nobody outside the server."""
    return janus_secret(purpose, sitting_id)


def mountpoint_secret(sitting_id: int) -> str:
    """Needed to see the mountpoint's ports and to destroy it."""
    return _derived("programme-secret", sitting_id)


def mountpoint_pin(sitting_id: int) -> str:
    """Needed to watch: without it, nobody who reaches Janus's API lists and watches a
    sitting's programme (a closed-door part of a sitting is not public)."""
    return _derived("programme-pin", sitting_id)


def janus_settings() -> JanusSettings | None:
    """Django's Janus, or None when the visio runs on the embedded relay."""
    if not settings.SEANCE_JANUS_URL:
        return None
    return JanusSettings(
        url=settings.SEANCE_JANUS_URL,
        api_secret=settings.SEANCE_JANUS_API_SECRET or None,
        admin_key=settings.SEANCE_JANUS_ADMIN_KEY or None,
    )


def rtp_host() -> str:
    """Where Janus listens for the programme, and where the mixer sends it: Janus on the
    broadcast worker's machine by default (deploy/janus/)."""
    return str(getattr(settings, "SEANCE_JANUS_RTP_HOST", "") or "127.0.0.1")


class MountpointMismatch(JanusError):
    """A mountpoint with the programme's id that is not the programme's."""

    def __init__(self, mountpoint: int, reason: str):
        super().__init__(0, f"mountpoint {mountpoint}: {reason}")


def _ports(media: list[JsonDict]) -> tuple[int, int]:
    """(video port, audio port) of a mountpoint's media, as `create` or `info` (with the
    secret) describe them; KeyError if either is missing."""
    ports = {m.get("type"): m.get("port") for m in media}
    video, audio = ports.get("video"), ports.get("audio")
    if not video or not audio:
        raise KeyError(f"no video and audio ports in {media}")
    return int(video), int(audio)


def _announces_the_programme(media: list[JsonDict]) -> bool:
    kinds = {m.get("type"): m for m in media}
    video, audio = kinds.get("video", {}), kinds.get("audio", {})
    return (
        video.get("codec") == VIDEO_CODEC
        and video.get("pt") == VIDEO_PT
        and audio.get("codec") == AUDIO_CODEC
        and audio.get("pt") == AUDIO_PT
    )


async def ensure_mountpoint(
    session: JanusSession,
    janus: JanusSettings,
    sitting_id: int,
    host: str | None = None,
    keep: RtpOut | None = None,
) -> RtpOut:
    """The sitting's programme mountpoint, created if need be with ports Janus picks in
    its rtp_port_range; where the mixer must send. One that exists already (the runner
    started again) is kept with its ports, unless it announces other codecs. With `keep`
    (where the mixer sends now), a mountpoint that is gone (Janus restarted) is made again
    on the same ports, so that the running mixer need not start again."""
    host = keep.host if keep else host or rtp_host()
    mountpoint = mountpoint_id(sitting_id)
    admin = StreamingAdmin(await session.attach(STREAMING), admin_key=janus.admin_key)
    try:
        for _attempt in range(2):
            made = await _create(admin, sitting_id, host, keep)
            if made is None:
                made = await _existing(admin, sitting_id, host)
            if made is not None:
                return made
        raise MountpointMismatch(mountpoint, "could not be made")
    finally:
        await admin.handle.detach()


async def _create(
    admin: StreamingAdmin, sitting_id: int, host: str, keep: RtpOut | None
) -> RtpOut | None:
    """The programme's mountpoint made (on `keep`'s ports, or on ports Janus picks), or
    None when one with its id exists already."""
    try:
        created = await admin.create_rtp_mountpoint(
            mountpoint_id(sitting_id),
            mountpoint_secret(sitting_id),
            audio_port=keep.audio_port if keep else 0,
            video_port=keep.video_port if keep else 0,
            pin=mountpoint_pin(sitting_id),
            description=f"programme of sitting {sitting_id}",
            videocodec=VIDEO_CODEC,
            video_pt=VIDEO_PT,
            video_fmtp=VIDEO_FMTP,
            audiocodec=AUDIO_CODEC,
            audio_pt=AUDIO_PT,
            host=host,
        )
    except JanusError as error:
        if error.code != MOUNTPOINT_EXISTS:
            raise
        return None
    video, audio = _ports(list(created["stream"]["ports"]))
    return RtpOut(host, video, audio, video_pt=VIDEO_PT, audio_pt=AUDIO_PT)


async def _existing(admin: StreamingAdmin, sitting_id: int, host: str) -> RtpOut | None:
    """The mountpoint with the programme's id, kept if it is the programme's; else
    destroyed (None: to be made again). One made with another secret is refused."""
    mountpoint = mountpoint_id(sitting_id)
    admin.secrets[mountpoint] = mountpoint_secret(sitting_id)
    info = await admin.info(mountpoint)
    media = list(info.get("media", []))
    if "secret" not in info:  # a public answer: the secret is not ours
        raise MountpointMismatch(mountpoint, "made with another secret")
    if _announces_the_programme(media) and info.get("host", host) == host:
        video, audio = _ports(media)
        return RtpOut(host, video, audio, video_pt=VIDEO_PT, audio_pt=AUDIO_PT)
    logger.warning("mountpoint %s is not the programme's: made again", mountpoint)
    await admin.destroy_mountpoint(mountpoint)
    return None


async def destroy_mountpoint(session: JanusSession, sitting_id: int) -> None:
    """The sitting's programme mountpoint gone (its watchers get a hangup), if it exists."""
    mountpoint = mountpoint_id(sitting_id)
    admin = StreamingAdmin(await session.attach(STREAMING))
    admin.secrets[mountpoint] = mountpoint_secret(sitting_id)
    try:
        await admin.destroy_mountpoint(mountpoint)
    except JanusError as error:
        if error.code != NO_SUCH_MOUNTPOINT:
            raise
    finally:
        await admin.handle.detach()


def ensure_programme_mountpoint(
    janus: JanusSettings, sitting_id: int, keep: RtpOut | None = None
) -> RtpOut:
    """`ensure_mountpoint` for a thread without an event loop (the broadcast runner's),
    through a connection of its own, closed on return: the mountpoint outlives it."""

    async def ensure() -> RtpOut:
        async with janus_session(janus) as session:
            return await ensure_mountpoint(session, janus, sitting_id, keep=keep)

    return asyncio.run(ensure())


def programme_rtp_out(sitting_id: int, keep: RtpOut | None = None) -> RtpOut | None:
    """For the broadcast runner: where the mixer sends the participants' programme
    (ProgrammeConfig.rtp_out), or None without Janus. A Janus that does not answer costs
    the participants their programme, never the broadcast: None too, and a log.

    Called again while the mixer runs, with `keep` its current rtp_out: the same, once
    the mountpoint is back if Janus lost it; something else only if the mountpoint was
    made again elsewhere, and then the mixer must start again with it."""
    janus = janus_settings()
    if janus is None:
        return None
    try:
        return ensure_programme_mountpoint(janus, sitting_id, keep)
    except (*GONE, OSError, WebSocketException) as error:
        logger.warning("sitting %s: no programme for the participants: %s", sitting_id, error)
        return None


def drop_programme_mountpoint(sitting_id: int) -> None:
    """For the broadcast runner, once the broadcast has ended (not when it is handed over
    to another worker: the watchers would lose the programme)."""
    janus = janus_settings()
    if janus is None:
        return

    async def drop() -> None:
        async with janus_session(janus) as session:
            await destroy_mountpoint(session, sitting_id)

    try:
        asyncio.run(drop())
    except (*GONE, OSError, WebSocketException) as error:
        logger.warning("sitting %s: programme mountpoint not destroyed: %s", sitting_id, error)


class ProgrammeWatch:
    """One participant watching the programme: a Streaming handle on the participant's
    Janus session. Janus makes the offer (`watch`); the browser's answer goes to `start`.
    Shaped like a subscriber's PeerHandle (start, trickle, next_event, leave, detach), so
    that it can sit among a participant's receivers as the feed "programme"."""

    FEED = "programme"

    def __init__(self, handle: PluginHandle, sitting_id: int) -> None:
        self.handle = handle
        self.sitting_id = sitting_id
        self.mountpoint = mountpoint_id(sitting_id)

    @classmethod
    async def attach(cls, session: JanusSession, sitting_id: int) -> ProgrammeWatch:
        return cls(await session.attach(STREAMING), sitting_id)

    async def watch(self) -> JsonDict:
        """Janus's offer ({"type": "offer", "sdp"}): an audio and a video m-line (mids
        "a" and "v"), sendonly. JanusError 455 if the programme has no mountpoint (no
        broadcast running)."""
        body = {"request": "watch", "id": self.mountpoint, "pin": mountpoint_pin(self.sitting_id)}
        reply = await self.handle.message(body)
        if reply.jsep is None:
            raise JanusError(0, "watch answered without an SDP offer")
        return reply.jsep

    async def start(self, answer: str | JsonDict) -> JsonDict:
        """The browser's answer: its SDP, or the whole {"type": "answer", "sdp"}."""
        jsep = {"type": "answer", "sdp": answer} if isinstance(answer, str) else answer
        return (await self.handle.message({"request": "start"}, jsep=jsep)).data

    async def trickle(self, candidate: JsonDict | None) -> None:
        await self.handle.trickle(candidate)

    async def next_event(self, timeout: float = 10.0) -> JsonDict:
        """Janus's next word about this handle: "trickle" (its candidates, then
        {"completed": true}), "webrtcup", "media", "hangup", and plugin "event"s
        ({"streaming": "event", "result": {"status": "started" | "stopped"...}})."""
        return await self.handle.next_event(timeout)

    async def leave(self) -> None:
        """Stop watching (the handle stays, for a later `watch`)."""
        with contextlib.suppress(*GONE):
            await self.handle.message({"request": "stop"})

    async def detach(self) -> None:
        await self.handle.detach()

    def __repr__(self) -> str:
        return f"<ProgrammeWatch sitting={self.sitting_id} handle={self.handle.id}>"
