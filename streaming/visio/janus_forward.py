"""The speaker into the public programme, as picture in picture: Janus forwards the
speaker's picture and sound as plain RTP to the broadcast's remote input, and the
browser is asked for a key frame so that the mixer's decoder can start at once.

The forward keeps one SSRC whoever speaks, so that the mixer's input sees one stream; a
key frame is asked for more than once (the first may be lost while the input starts)."""

from __future__ import annotations

import asyncio
import contextlib

from streaming.conference.admin import Forwarder, VideoRoomAdmin
from streaming.conference.janus import GONE, JanusError
from streaming.conference.peer import PeerHandle
from streaming.services import RemoteTarget

from .meeting import Participant

FORWARD_SSRC = 0x5EA1CE
KEY_FRAME_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0)


async def forward_speaker(
    admin: VideoRoomAdmin, room: int, speaker: Participant, target: RemoteTarget
) -> list[Forwarder]:
    """The speaker's first audio and video m-lines forwarded to `target`."""
    peer: PeerHandle = speaker.publisher
    assert peer.participant_id is not None
    forwarders = await admin.rtp_forward(
        room,
        peer.participant_id,
        target.host,
        mids=peer.mids,
        video_port=target.video_port,
        audio_port=target.audio_port,
        ssrc=FORWARD_SSRC,
        simulcast=peer.simulcast,
    )
    speaker.spawn(key_frames(peer))
    return forwarders


async def key_frames(peer: PeerHandle) -> None:
    for delay in KEY_FRAME_DELAYS:
        await asyncio.sleep(delay)
        with contextlib.suppress(*GONE, JanusError):
            await peer.request_keyframe()


async def stop_forward(
    admin: VideoRoomAdmin, room: int, speaker: Participant, forwarders: list[Forwarder]
) -> None:
    """The speaker's forwarders stopped; one Janus has already forgotten is no error."""
    peer: PeerHandle = speaker.publisher
    assert peer.participant_id is not None
    for forwarder in forwarders:
        with contextlib.suppress(*GONE, JanusError):
            await admin.stop_rtp_forward(room, peer.participant_id, forwarder.stream_id)
