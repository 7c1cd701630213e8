"""The live programme with real ffmpeg: three coloured cameras over UDP, the supervisor's
mixer, and the proof read back from the HLS segments (colour of a frame, loudness of
the sound), the way a viewer would receive them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streaming.ports import free_port as free_tcp_port
from streaming.programme.graph import (
    FONT,
    ProgrammeConfig,
    ProgrammeInput,
    escape_value,
)
from streaming.programme.ingest import LOST_SLATE_COLOUR, Ingest, free_udp_port
from streaming.programme.process import ManagedProcess
from streaming.programme.state import SLATES
from streaming.programme.supervisor import Supervisor
from tests.streaming.media import (
    FFMPEG,
    LADDER,
    MAIN,
    RGB,
    TOP,
    Feed,
    close_to,
    eventually,
    ffprobe,
    frame_png,
    loudness,
    picture,
    pixel,
    segment_after_now,
    segments,
    sending,
    wait_for,
)

CAMERAS = [("Camera-A", "red", 440), ("Camera-B", "lime", 660), ("Camera-C", "blue", 880)]

# Every character that means something to ffmpeg's parsers, for the lower third.
TRICKY_NAME = "Jeanne D'Arc: \\ [x], y; %{pts}"
LOWER_THIRD_ON_LIME = "0x0F4236"  # its band, 85 % opaque, over the second camera


@pytest.fixture(scope="module")
def feeds() -> Iterator[list[Feed]]:
    with sending(
        [Feed(name, colour, tone, free_udp_port()) for name, colour, tone in CAMERAS]
    ) as started:
        yield started


@pytest.fixture(scope="module")
def programme(feeds: list[Feed], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    inputs = tuple(ProgrammeInput(feed.name, feed.url) for feed in feeds)
    config = ProgrammeConfig(
        inputs=inputs,
        output_dir=tmp_path_factory.mktemp("hls"),
        control_address=f"tcp://127.0.0.1:{free_tcp_port()}",
        ladder=LADDER,
        preset="ultrafast",
        # As the runner has it: every camera's ingest writes its preview (another output
        # of its ffmpeg, a file left behind by each run).
        preview_dir=tmp_path_factory.mktemp("preview"),
    )
    supervisor = Supervisor(config)
    supervisor.start()
    wait_for(lambda: len(segments(config.output_dir, TOP)) >= 2, timeout=20)
    yield supervisor
    supervisor.stop()


# Reading the output back


def shows_whole_name(segment: Path) -> bool:
    """The name's last characters ("%{pts}") are drawn: the text was not cut short."""
    band, tail = pixel(segment, 0.95, 0.86), pixel(segment, 0.46, 0.82)
    return close_to(band, LOWER_THIRD_ON_LIME) and sum(tail) > sum(band) + 100


def playlist(out: Path, rendition: str = TOP) -> str:
    return (out / rendition / "index.m3u8").read_text()


def media_sequence(text: str) -> int:
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    assert found, text
    return int(found.group(1))


# The programme


def test_text_escaped_for_the_filter_graph_is_drawn_as_written(tmp_path):
    text = TRICKY_NAME + " : l'élu"
    (tmp_path / "text.txt").write_text(text)

    def frame(option: str) -> bytes:
        drawtext = f"drawtext=fontfile={FONT}:expansion=none:fontcolor=white:{option}"
        return subprocess.run(
            [
                *(FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=520x40"),
                *("-vf", drawtext, "-frames:v", "1", "-f", "rawvideo", "-"),
            ],
            capture_output=True,
            check=True,
        ).stdout

    assert frame(f"text={escape_value(text)}") == frame(f"textfile={tmp_path / 'text.txt'}")


def test_master_playlist_lists_the_ladder_and_an_audio_only_rendition(programme):
    out = programme.config.output_dir
    master = (out / "master.m3u8").read_text()
    assert 'CODECS="mp4a.40.2"' in master  # the audio-only rendition, listed on its own
    for rung in LADDER:
        assert f"RESOLUTION={rung.width}x{rung.height}" in master
    sizes = {(s.get("width"), s.get("height")) for s in ffprobe(out / "master.m3u8")}
    assert {(r.width, r.height) for r in LADDER} <= sizes
    for rung in LADDER:
        streams = ffprobe(out / rung.name / "index.m3u8")
        assert [(s["codec_name"], s["width"]) for s in streams] == [("h264", rung.width)]
    streams = ffprobe(out / "audio" / "index.m3u8")
    assert [(s["codec_type"], s["codec_name"]) for s in streams] == [("audio", "aac")]


def shows(out: Path, colour: tuple[int, int, int] | str) -> bool:
    return eventually(lambda: close_to(picture(out), colour))


def test_the_programme_opens_on_the_first_camera(programme):
    assert shows(programme.config.output_dir, RGB["red"])


def test_the_health_says_when_ffmpeg_last_reported_its_progress(programme):
    # Whoever reads the health later (the régie, bench/evening.py) times the progress by
    # when ffmpeg wrote it, not by when they read it.
    wait_for(lambda: programme.health()["progress"]["out_time"], timeout=10)
    first = programme.health()["progress"]
    assert abs(first["reported_at"] - time.time()) < 3
    wait_for(lambda: programme.health()["progress"]["reported_at"] > first["reported_at"], 5)
    later = programme.health()["progress"]
    assert later["out_time"] != first["out_time"]


def test_a_cut_changes_the_picture(programme):
    assert programme.control.cut(1)
    assert shows(programme.config.output_dir, RGB["lime"])


def test_picture_in_picture_and_lower_third_are_drawn(programme):
    out = programme.config.output_dir
    assert programme.control.pip(2)
    assert programme.control.lower_third(TRICKY_NAME, "Maire", "Point 3")
    eventually(lambda: close_to(pixel(segment_after_now(out), 0.85, 0.15), RGB["blue"]))
    segment = segment_after_now(out)
    assert close_to(pixel(segment, 0.85, 0.15), RGB["blue"])  # the PiP, top right
    assert shows_whole_name(segment)
    (out / "lower-third.png").write_bytes(frame_png(segment))
    assert close_to(pixel(segment, *MAIN), RGB["lime"])
    assert programme.control.pip(None) and programme.control.hide_lower_third()
    eventually(lambda: close_to(pixel(segment_after_now(out), 0.85, 0.15), RGB["lime"]))


def test_a_slate_covers_the_picture_and_silences_the_sound(programme):
    out = programme.config.output_dir
    assert eventually(lambda: loudness(out) > -30)
    assert programme.control.slate("suspended")
    assert shows(out, SLATES["suspended"].colour)
    assert eventually(lambda: loudness(out) <= -60)
    assert programme.control.slate(None)
    assert shows(out, RGB["lime"])


def test_mute_silences_the_sound_only(programme):
    out = programme.config.output_dir
    assert eventually(lambda: loudness(out) > -30)
    assert programme.control.mute(True)
    assert eventually(lambda: loudness(out) <= -60)
    assert close_to(picture(out), RGB["lime"])
    assert programme.control.mute(False)
    assert eventually(lambda: loudness(out) > -30)


def test_a_killed_mixer_comes_back_within_five_seconds_without_resetting_the_playlist(
    programme,
):
    out = programme.config.output_dir
    # The new mixer's graph carries the state, this text included.
    assert programme.control.lower_third(TRICKY_NAME, "Maire", "Point 3")
    before = playlist(out)
    last = before.strip().splitlines()[-1]
    killed = programme.mixer.pid
    os.kill(killed, signal.SIGKILL)
    started = time.monotonic()

    def new_segment_after_discontinuity() -> bool:
        text = playlist(out)
        tail = text.split(last, 1)[-1] if last in text else ""
        return "#EXT-X-DISCONTINUITY" in tail and ".m4s" in tail

    wait_for(new_segment_after_discontinuity, timeout=5, step=0.05)
    recovered = time.monotonic() - started
    print(f"time to recover after kill -9: {recovered:.2f} s")
    after = playlist(out)
    assert media_sequence(after) >= media_sequence(before)
    assert programme.mixer.pid != killed and programme.health()["restarts"] == 1
    # The recording goes on in a second part; the first one is whole and readable.
    parts = sorted(programme.config.recording_folder.glob("part-*.ts"))
    assert len(parts) == 2
    assert {s["codec_type"] for s in ffprobe(parts[0])} == {"video", "audio"}
    # The new mixer started from the state of the old one: the second camera, the lower third.
    segment = segment_after_now(out)
    assert close_to(pixel(segment, *MAIN), RGB["lime"])
    assert shows_whole_name(segment)
    (out / "lower-third-after-restart.png").write_bytes(frame_png(segment))
    assert programme.control.hide_lower_third()


def test_a_lost_feed_becomes_its_slate_and_comes_back_by_itself(programme, feeds):
    """The camera's ffmpeg gives up on the silent feed and is started again, over the
    preview its previous run wrote, until the feed answers: then the camera is back on
    air, and its preview is fresh again."""
    out, preview = programme.config.output_dir, programme.config.preview_dir / "2.jpg"
    wait_for(preview.exists, timeout=10)
    feeds[2].stop()
    wait_for(lambda: programme.health()["inputs"][2]["state"] == "slate", timeout=5)
    count = len(segments(out, TOP))
    assert programme.control.cut(2)
    wait_for(lambda: close_to(picture(out), LOST_SLATE_COLOUR), timeout=8)
    assert len(segments(out, TOP)) > count  # the programme went on
    # The ingest keeps trying the silent feed: its ffmpeg is started again and again.
    starts = programme.ingests[2].camera.starts
    wait_for(lambda: programme.ingests[2].camera.starts >= starts + 2, timeout=15)
    lost_at = time.time()
    feeds[2].start()
    wait_for(lambda: programme.health()["inputs"][2]["state"] == "live", timeout=15)
    wait_for(lambda: close_to(picture(out), RGB["blue"]), timeout=8)
    wait_for(lambda: preview.stat().st_mtime > lost_at + 0.5, timeout=10)
    camera = programme.health()["inputs"][2]["camera"]
    assert camera["running"] and "already exists" not in str(camera["last_error"])
    assert programme.health()["running"]


@pytest.mark.parametrize("remote", [True, False])
def test_a_remote_input_that_ends_without_a_speaker_is_waiting_not_failing(remote):
    """The remote speaker's ffmpeg gives up after 20 s without Janus forwarding anything:
    the health page counts such ends of the remote input as waiting, not as restarts; a
    camera's ends are restarts."""
    source = ProgrammeInput(name="Visio", url="unused.sdp", remote=remote)
    ingest = Ingest(source, FFMPEG, backoff=0.0)
    ingest.camera = ManagedProcess("quits", lambda: ["true"])  # ends at once, sends nothing
    ingest.start()
    try:
        for _ in range(3):
            deadline = time.monotonic() + 5
            while not ingest.camera.exited and time.monotonic() < deadline:
                time.sleep(0.05)
            ingest.poll()  # sees the end, starts it again
        health = ingest.health()
        assert health["camera"]["starts"] == 4
        assert health["remote"] is remote
        assert health["restarts"] == (0 if remote else 3)
    finally:
        ingest.stop()
