"""What a broadcast runner starts (streaming.runner): the programme's configuration, from
the room's cameras, the recommended ladder and, with Janus, the input of the speaker who
joined by video."""

from __future__ import annotations

from django.conf import settings

from .broadcast import broadcast_wired
from .hls import hls_dir, preview_dir, recording_dir
from .models import Broadcast, Camera
from .ports import free_port, free_udp_pair, udp_pair_free
from .programme.graph import LADDERS, ProgrammeConfig, ProgrammeInput
from .programme.ingest import remote_sdp
from .transcript.live import live_captions_on
from .visio.programme_feed import programme_rtp_out


def remote_input(broadcast: Broadcast, index: int) -> ProgrammeInput | None:
    """With Janus, the speaker who joined by video is forwarded to an input of the
    programme. Its ports are kept across a handover (Janus keeps forwarding to them)."""
    if not settings.SEANCE_JANUS_URL:
        return None
    ports = broadcast.remote_input or {}
    video, audio = ports.get("video_port"), ports.get("audio_port")
    if not (video and audio and udp_pair_free(video) and udp_pair_free(audio)):
        video, audio = free_udp_pair(), free_udp_pair()
        while audio == video:
            audio = free_udp_pair()
    sdp = recording_dir(broadcast.sitting_id).parent / "remote.sdp"
    sdp.parent.mkdir(parents=True, exist_ok=True)
    sdp.write_text(remote_sdp(video, audio))
    broadcast.remote_input = {
        "host": "127.0.0.1",
        "video_port": video,
        "audio_port": audio,
        "index": index,
    }
    broadcast_wired(
        broadcast_id=broadcast.pk, worker=broadcast.worker, remote_input=broadcast.remote_input
    )
    return ProgrammeInput("Visio", str(sdp), remote=True)


def programme_config(broadcast: Broadcast, cameras: list[Camera]) -> ProgrammeConfig:
    sitting_id = broadcast.sitting_id
    inputs = tuple(ProgrammeInput(camera.name, camera.feed_url) for camera in cameras)
    remote = remote_input(broadcast, len(inputs))
    inputs += (remote,) if remote else ()
    return ProgrammeConfig(
        inputs=inputs,
        output_dir=hls_dir(sitting_id),
        recording_dir=recording_dir(sitting_id),
        preview_dir=preview_dir(sitting_id),
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDERS[settings.SEANCE_BROADCAST_LADDER],
        preset=settings.SEANCE_BROADCAST_PRESET,
        # The room's programme for the councillors by video, through Janus.
        rtp_out=programme_rtp_out(sitting_id),
        subtitles=live_captions_on(),
    )
