"""R25: during a closed session the public HLS shows the slate, and the remote councillors'
programme (the mixer's RTP output to Janus's mountpoint) shows the room: the supervisor's
mixer with a red synthetic camera sends its RTP to local ports, where ffmpeg decodes it as
Janus would relay it; the same mixer's HLS is decoded too."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from streaming.ports import free_udp_port
from streaming.programme.graph import ProgrammeInput, RtpOut, mixer_command
from streaming.programme.state import SLATES, ProgrammeState
from streaming.programme.supervisor import Supervisor
from tests.streaming.media import (
    MAIN,
    RGB,
    TOP,
    Feed,
    close_to,
    config_for,
    eventually,
    picture,
    segments,
    tee_slaves,
    wait_for,
)

SDP = """v=0
o=- 0 0 IN IP4 127.0.0.1
s=programme
c=IN IP4 127.0.0.1
t=0 0
m=video {port} RTP/AVP 96
a=rtpmap:96 H264/90000
a=fmtp:96 profile-level-id=42e01f;packetization-mode=1
"""


def test_the_participants_picture_is_split_before_the_slate(tmp_path: Path) -> None:
    """One graph: the room's picture split after the lower third, the slate on the public
    branch only; one more H.264 encode, at the RTP rung's size, sent to the mountpoint
    and kept out of the HLS ladder and the recording."""
    config = config_for(tmp_path, RtpOut("127.0.0.1", 21001, 21000), 2)
    command = mixer_command(config, ProgrammeState(slate="closed_session"), ["a", "b"], 1)
    graph = command[command.index("-filter_complex") + 1].split(";\n")
    room = next(chain for chain in graph if chain.endswith("split=2[room][participants]"))
    assert "drawtext@ltdetail" in room and "slatebox" not in room
    assert next(c for c in graph if c.startswith("[room]")).startswith("[room]drawbox@slatebox")
    assert "[participants]scale=320:180[rtpvideo]" in graph
    maps = [command[i + 1] for i, arg in enumerate(command) if arg == "-map"]
    assert maps == ["[video0]", "[video1]", "[video2]", "[rtpvideo]", "[sound]", "[roomsound]"]
    assert command[command.index("-b:v:3") + 1] == "200k"  # the 180p rung's rate
    hls, recording, video, _audio = tee_slaves(command)
    assert ":select=v\\\\:0,v\\\\:1,v\\\\:2,a\\\\:0]" in hls  # not the participants' picture
    assert "select=v\\\\:0,a\\\\:0:" in recording
    assert "select=v\\\\:3:bsfs/v=dump_extra" in video


@pytest.fixture
def mixer(tmp_path: Path) -> Iterator[tuple[Supervisor, int]]:
    video_port = free_udp_port()
    rtp = RtpOut("127.0.0.1", video_port, free_udp_port())
    feed = Feed("Camera-A", "red", 440, free_udp_port())
    feed.start()
    config = replace(
        config_for(tmp_path / "hls", rtp), inputs=(ProgrammeInput(feed.name, feed.url),)
    )
    supervisor = Supervisor(config)
    supervisor.start()
    try:
        wait_for(lambda: len(segments(config.output_dir, TOP)) >= 2, timeout=30)
        yield supervisor, video_port
    finally:
        supervisor.stop()
        feed.stop()


def participants_colour(sdp: Path) -> tuple[int, int, int]:
    """The colour at the main picture's point of a frame of the participants' RTP video,
    decoded from its next key frame on (SPS and PPS come with each)."""
    decoded = subprocess.run(
        [
            *("/usr/bin/ffmpeg", "-v", "error", "-protocol_whitelist", "file,udp,rtp"),
            *("-i", str(sdp), "-frames:v", "5"),
            *("-vf", "scale=40:40:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"),
        ],
        capture_output=True,
        timeout=20,
        check=True,
    ).stdout
    x, y = MAIN
    at = len(decoded) - 40 * 40 * 3 + (int(y * 40) * 40 + int(x * 40)) * 3
    return decoded[at], decoded[at + 1], decoded[at + 2]


def test_in_closed_session_the_participants_see_the_room_and_the_public_the_slate(
    mixer: tuple[Supervisor, int], tmp_path: Path
) -> None:
    supervisor, video_port = mixer
    out = supervisor.config.output_dir
    sdp = tmp_path / "participants.sdp"
    sdp.write_text(SDP.format(port=video_port))
    assert eventually(lambda: close_to(picture(out), RGB["red"]))
    assert close_to(participants_colour(sdp), RGB["red"])
    assert supervisor.control.slate("closed_session")
    closed = SLATES["closed_session"].colour
    assert eventually(lambda: close_to(picture(out), closed))  # the public: the slate
    colour = participants_colour(sdp)
    print(f"participants' picture in closed session: {colour}")
    assert close_to(colour, RGB["red"])  # the councillors: the camera
    assert not close_to(colour, closed)
