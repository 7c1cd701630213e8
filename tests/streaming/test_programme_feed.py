"""The room's programme for the remote participants, for real: a Janus run by this user,
the sitting's Streaming mountpoint made by `programme_rtp_out` as the broadcast runner
asks for it, the supervisor's mixer (a red synthetic camera) sending it one rendition of
its ladder over RTP, and headless Chromium (Debian's) watching the mountpoint the way a
participant's browser does, signalled through `ProgrammeWatch`: its frames are decoded,
and they show the programme."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings

from bench.programme_page import receiver, watch_on
from streaming.conference.admin import StreamingAdmin
from streaming.conference.janus import (
    STREAMING,
    JanusError,
    JanusSession,
    JanusSettings,
    janus_session,
)
from streaming.conference.janus_process import JanusProcess, janus_available
from streaming.ports import free_port, free_udp_port
from streaming.programme.graph import (
    ProgrammeInput,
    RtpOut,
    mixer_command,
)
from streaming.programme.state import SLATES, ProgrammeState
from streaming.programme.supervisor import Supervisor
from streaming.runner import PROGRAMME_FEED_CHECK, BroadcastRunner
from streaming.visio.programme_feed import (
    ProgrammeWatch,
    destroy_mountpoint,
    ensure_mountpoint,
    mountpoint_id,
    mountpoint_secret,
    programme_rtp_out,
)
from tests.streaming.media import (
    Feed,
    close_to,
    config_for,
    eventually,
    ffprobe,
    picture,
    tee_slaves,
    wait_for,
)

from ..browser.conftest import launch

SITTING = 31


# The command line


def test_without_rtp_out_the_mixer_is_as_before(tmp_path: Path) -> None:
    command = mixer_command(config_for(tmp_path, None, 2), ProgrammeState(), ["a", "b"], 1)
    text = " ".join(command)
    assert "rtp://" not in text and "opus" not in text and "roomsound" not in text
    assert "-max_interleave_delta" not in command
    assert command[command.index("[sound]") - 1 :][:4] == ["-map", "[sound]", "-c:v", "libx264"]
    assert command[command.index("aac") - 1 :][:4] == ["-c:a", "aac", "-b:a", "128k"]
    hls, recording = tee_slaves(command)
    assert "select" not in hls
    assert recording.startswith("[f=mpegts:select=v\\\\:0,a:onfail=ignore]")


def test_the_rtp_output_is_the_room_at_the_smallest_rung_and_opus(tmp_path: Path) -> None:
    rtp = RtpOut("127.0.0.1", 21001, 21000)
    config = config_for(tmp_path, rtp, 2)
    assert config.rtp_rendition == 2 and config.rtp_video == 3  # 180p, after the ladder
    command = mixer_command(config, ProgrammeState(), ["a", "b"], 1)
    # One -c:v for the ladder and the participants' picture (R25: the room before the
    # slate, tests/streaming/test_participants_picture.py), one Opus.
    assert command.count("libx264") == 1 and command.count("libopus") == 1
    # Only the RTP picture's encoder is told to hold nothing back; the tee writes at once.
    assert command[command.index("-profile:v:3") :][:4] == [
        *("-profile:v:3", "baseline", "-tune:v:3", "zerolatency")
    ]
    assert "-profile:v:2" not in command  # the public 180p as the other rungs
    assert command[command.index("-max_interleave_delta") + 1] == "1"
    maps = [command[i + 1] for i, arg in enumerate(command) if arg == "-map"]
    assert maps == ["[video0]", "[video1]", "[video2]", "[rtpvideo]", "[sound]", "[roomsound]"]
    # The participants hear the room, never silenced (a closed session is theirs too).
    graph = command[command.index("-filter_complex") + 1]
    assert "asplit=2[cutsound][roomsound];\n" in graph
    public = next(chain for chain in graph.split(";\n") if chain.endswith("[sound]"))
    assert "volume@mute" in public and graph.count("volume@mute") == 1
    hls, recording, video, audio = tee_slaves(command)
    # Neither the participants' picture nor the Opus in HLS.
    assert hls.endswith(":select=v\\\\:0,v\\\\:1,v\\\\:2,a\\\\:0]" + f"{tmp_path}/%v/.mixer.m3u8")
    assert "select=v\\\\:0,a\\\\:0:" in recording
    assert "select=v\\\\:3:bsfs/v=dump_extra:payload_type=96]" in video
    assert video.endswith("]rtp://127.0.0.1:21001?pkt_size=1200")
    assert "select=a\\\\:1:payload_type=111]" in audio and "skip_rtcp" in audio
    assert audio.endswith("]rtp://127.0.0.1:21000?pkt_size=1200")
    named = config_for(tmp_path, RtpOut("127.0.0.1", 1, 2, rendition="240p"))
    assert named.rtp_rendition == 1
    with pytest.raises(ValueError):
        _ = config_for(tmp_path, RtpOut("127.0.0.1", 1, 2, rendition="1080p")).rtp_rendition


# The mountpoint and the programme


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusProcess]:
    if not janus_available():
        pytest.fail("janus is not installed: apt-get install janus (Debian's package)")
    with JanusProcess(tmp_path_factory.mktemp("janus"), api_secret="api-secret") as process:
        yield process


@pytest.fixture(scope="module")
def janus_django(janus: JanusProcess) -> Iterator[JanusSettings]:
    """Django configured for this Janus, as the runner and the consumers see it."""
    env = janus.environ()
    with override_settings(
        SEANCE_JANUS_URL=env["SEANCE_JANUS_URL"],
        SEANCE_JANUS_API_SECRET=env["SEANCE_JANUS_API_SECRET"],
        SEANCE_JANUS_ADMIN_KEY=env["SEANCE_JANUS_ADMIN_KEY"],
    ):
        yield JanusSettings.from_env(env)


@pytest.fixture(scope="module")
def programme(
    janus_django: JanusSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Supervisor]:
    """What the broadcast runner does: the mountpoint first, then the mixer sending to it."""
    rtp_out = programme_rtp_out(SITTING)
    assert rtp_out is not None
    feed = Feed("Camera-A", "red", 440, free_udp_port())
    feed.start()
    config = config_for(tmp_path_factory.mktemp("hls"), rtp_out)
    config = replace(config, inputs=(ProgrammeInput(feed.name, feed.url),))
    supervisor = Supervisor(config)
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
        feed.stop()


@pytest.fixture
async def session(janus_django: JanusSettings) -> AsyncIterator[JanusSession]:
    async with janus_session(janus_django) as session:
        yield session


def test_without_janus_there_is_no_rtp_output() -> None:
    with override_settings(SEANCE_JANUS_URL=""):
        assert programme_rtp_out(SITTING) is None


def test_a_janus_that_does_not_answer_costs_only_the_rtp_output() -> None:
    with override_settings(SEANCE_JANUS_URL=f"ws://127.0.0.1:{free_port()}/"):
        assert programme_rtp_out(SITTING) is None


async def test_the_mountpoint_is_found_again_after_a_restart(
    programme: Supervisor, janus_django: JanusSettings, session: JanusSession
) -> None:
    rtp_out = programme.config.rtp_out
    assert rtp_out is not None and rtp_out.host == "127.0.0.1"
    again = await ensure_mountpoint(session, janus_django, SITTING)
    assert again == rtp_out  # a runner that starts again finds the mountpoint
    assert await asyncio.to_thread(programme_rtp_out, SITTING) == again
    # Janus restarted meanwhile: the mountpoint is gone; made again where the mixer sends.
    await destroy_mountpoint(session, SITTING)
    await destroy_mountpoint(session, SITTING)  # already gone: no error
    assert await asyncio.to_thread(programme_rtp_out, SITTING, rtp_out) == rtp_out


async def mountpoint_ports(janus: JanusSettings) -> dict[str, int]:
    """The programme mountpoint's ports by kind; JanusError 455 if Janus has none."""
    async with janus_session(janus) as session:
        admin = StreamingAdmin(await session.attach(STREAMING))
        admin.secrets[mountpoint_id(SITTING)] = mountpoint_secret(SITTING)
        info = await admin.info(mountpoint_id(SITTING))
        return {m["type"]: m["port"] for m in info["media"]}


async def test_the_runner_makes_the_mountpoint_again_after_janus_restarts(
    programme: Supervisor, janus: JanusProcess, janus_django: JanusSettings
) -> None:
    """Janus restarted during the broadcast: the runner's periodic check makes the
    mountpoint again where the running mixer sends, and the mixer goes on as it was."""
    rtp_out, mixer = programme.config.rtp_out, programme.mixer.pid
    assert rtp_out is not None
    runner = BroadcastRunner(0, worker="test-runner")  # as `run` leaves it, without a row
    runner.sitting_id, runner.supervisor = SITTING, programme
    janus.stop()
    await asyncio.to_thread(runner.heal_programme_feed)  # Janus down: a log, no error
    janus.start()
    with pytest.raises(JanusError) as gone:
        await mountpoint_ports(janus_django)
    assert gone.value.code == 455  # the restart lost it
    await asyncio.to_thread(runner.heal_programme_feed)
    assert await mountpoint_ports(janus_django) == {
        "video": rtp_out.video_port,
        "audio": rtp_out.audio_port,
    }
    assert programme.config.rtp_out == rtp_out and programme.mixer.pid == mixer


def test_the_runner_checks_the_mountpoint_every_few_seconds_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = BroadcastRunner(0, worker="test-runner")
    checks: list[int] = []
    monkeypatch.setattr(runner, "heal_programme_feed", lambda: checks.append(1))
    runner.check_programme_feed()  # the mountpoint was made as the runner started
    assert checks == []
    runner._feed_checked_at -= PROGRAMME_FEED_CHECK
    runner.check_programme_feed()
    runner.check_programme_feed()
    assert runner._feed_check is not None
    runner._feed_check.join(5)
    assert checks == [1]


def test_the_runner_moves_the_mixer_only_to_another_mountpoint(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Elsewhere (or made at last after Janus did not answer at the start), the mixer
    starts again to send there; the same ports, nothing; an error, a log."""
    here, there = RtpOut("127.0.0.1", 21000, 21002), RtpOut("127.0.0.1", 21004, 21006)
    moves: list[RtpOut] = []
    supervisor = SimpleNamespace(config=SimpleNamespace(rtp_out=here), send_rtp_to=moves.append)
    runner = BroadcastRunner(0, worker="test-runner")
    runner.sitting_id, runner.supervisor = SITTING, supervisor  # type: ignore[assignment]
    answers: list[RtpOut | None] = [here, None, there]
    kept: list[RtpOut | None] = []

    def janus_answers(sitting_id: int, keep: RtpOut | None = None) -> RtpOut | None:
        kept.append(keep)
        if not answers:
            raise RuntimeError("what Janus never says")
        return answers.pop(0)

    monkeypatch.setattr("streaming.runner.programme_rtp_out", janus_answers)
    for _ in range(4):
        with caplog.at_level(logging.ERROR, logger="streaming.runner"):
            runner.heal_programme_feed()
    assert kept == [here] * 4 and moves == [there]
    assert "programme mountpoint not checked" in caplog.text


async def test_the_mountpoint_receives_the_mixer(
    programme: Supervisor, session: JanusSession
) -> None:
    """(The mountpoint was made again by the runner after Janus restarted, in the test
    before: the running mixer feeds it.)"""
    admin = StreamingAdmin(await session.attach(STREAMING))
    admin.secrets[mountpoint_id(SITTING)] = mountpoint_secret(SITTING)
    deadline = asyncio.get_running_loop().time() + 20

    async def fresh_media() -> dict[str, dict]:
        while True:
            info = await admin.info(mountpoint_id(SITTING))
            media = {m["type"]: m for m in info["media"] if m.get("age_ms", 10**9) < 300}
            if len(media) == 2 or asyncio.get_running_loop().time() > deadline:
                return media
            await asyncio.sleep(0.2)

    media = await fresh_media()
    assert {kind: (m["codec"], m["pt"]) for kind, m in media.items()} == {
        "video": ("h264", 96),
        "audio": ("opus", 111),
    }
    # The public ladder is as it was: every rendition, and the sound in AAC only.
    out = programme.config.output_dir
    wait_for(lambda: (out / "audio" / "index.m3u8").exists(), timeout=10)
    assert [s["codec_name"] for s in ffprobe(out / "audio" / "index.m3u8")] == ["aac"]
    assert [s["width"] for s in ffprobe(out / "180p" / "index.m3u8")] == [320]


# Chromium's own addresses as candidates, not mDNS names; the sound played without a click.
RECEIVER_ARGS = (
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
)

RECEIVE = receiver("""
  const pc = new RTCPeerConnection();
  const video = document.createElement("video");
  video.muted = true; video.autoplay = true; video.playsInline = true;
  document.body.appendChild(video);
  const stream = new MediaStream();
  const audio = document.createElement("audio");
  audio.autoplay = true;
  document.body.appendChild(audio);
  pc.ontrack = (event) => {
    if (event.track.kind === "audio") audio.srcObject = new MediaStream([event.track]);
    else { stream.addTrack(event.track); video.srcObject = stream; }
  };
  window.video = video;""")

RECEIVED = """async () => {
  const out = {};
  (await window.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp") out[s.kind] = {
      packets: s.packetsReceived, frames: s.framesDecoded || 0, width: s.frameWidth || 0,
      samples: s.totalSamplesReceived || 0, energy: s.totalAudioEnergy || 0,
      codec: s.codecId };
    if (s.type === "codec") out[s.id] = s.mimeType;
  });
  return out;
}"""

# The colour at a point of the main picture (as in test_programme), from the video element.
PIXEL = """() => {
  const v = window.video, canvas = document.createElement("canvas");
  canvas.width = v.videoWidth; canvas.height = v.videoHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(v, 0, 0);
  const x = Math.floor(v.videoWidth * 0.3), y = Math.floor(v.videoHeight * 0.35);
  const d = ctx.getImageData(x, y, 1, 1).data;
  return [d[0], d[1], d[2]];
}"""


async def janus_says(watch: ProgrammeWatch, what: str, timeout: float = 10) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = max(0.1, deadline - asyncio.get_running_loop().time())
        event = await watch.next_event(timeout=left)
        if event["janus"] == what:
            return event


@pytest.mark.browser
async def test_a_participant_decodes_the_programme(
    programme: Supervisor, session: JanusSession
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch(playwright, *RECEIVER_ARGS)
        watch = await ProgrammeWatch.attach(session, SITTING)
        try:
            page = await browser.new_page()
            offer, answer = await watch_on(page, watch, RECEIVE)
            assert "H264/90000" in offer and "opus/48000/2" in offer
            assert "H264/90000" in answer  # Debian's Chromium takes H.264
            await janus_says(watch, "webrtcup")

            async def received(frames: int) -> dict:
                for _ in range(100):
                    stats = await page.evaluate(RECEIVED)
                    if stats.get("video", {}).get("frames", 0) >= frames:
                        return stats
                    await asyncio.sleep(0.1)
                raise AssertionError(f"fewer than {frames} frames decoded: {stats}")

            stats = await received(25)  # a second of the programme
            assert stats["video"]["width"] == 320  # the 180p rendition, as encoded
            assert stats[stats["video"]["codec"]] == "video/H264"
            assert stats[stats["audio"]["codec"]] == "audio/opus"
            assert stats["audio"]["packets"] > 25 and stats["audio"]["samples"] > 0
            assert stats["audio"]["energy"] > 0  # the camera's tone, decoded
            colour = tuple(await page.evaluate(PIXEL))
            print(f"received: {stats}, colour {colour}")
            assert close_to(colour, (255, 0, 0))  # the red camera
            # R25: in closed session the public sees the slate, the participant the room.
            out, closed = programme.config.output_dir, SLATES["closed_session"].colour
            assert programme.control.slate("closed_session")
            assert await asyncio.to_thread(eventually, lambda: close_to(picture(out), closed))
            colour = tuple(await page.evaluate(PIXEL))
            print(f"in closed session: colour {colour}")
            assert close_to(colour, (255, 0, 0))
            assert programme.control.slate(None)
            # A mixer killed and started again by the supervisor (new SSRC, sequence and
            # time stamps): the participant's picture goes on, without a new negotiation.
            killed = programme.mixer.pid
            assert killed is not None
            os.kill(killed, signal.SIGKILL)
            wait_for(lambda: programme.mixer.running and programme.mixer.pid != killed, 5)
            before = (await page.evaluate(RECEIVED))["video"]["frames"]
            after = await received(before + 50)
            print(f"after the mixer's restart: {after}")
        finally:
            await watch.leave()
            await watch.detach()
            await browser.close()


def test_the_remote_speaker_is_mixed_for_the_public_not_sent_back_to_participants(
    tmp_path: Path,
) -> None:
    """The speaker who joined by video is heard over the room in the public programme;
    the participants' sound is the room's alone (they hear the speaker directly)."""
    base = config_for(tmp_path, RtpOut("127.0.0.1", 21001, 21000), 1)
    remote = ProgrammeInput("Visio", str(tmp_path / "remote.sdp"), remote=True)
    config = replace(base, inputs=(*base.inputs, remote))
    graph = mixer_command(config, ProgrammeState(), ["a", "b"], 1)
    text = graph[graph.index("-filter_complex") + 1]
    assert "[1:a]asetpts" in text and "asplit=2[remotecut][remotesound]" in text
    assert "[remotecut]volume=0[audio1]" in text  # its place in the cut is silent
    assert "asplit=2[cutsound][roomsound]" in text
    assert "[cutsound][remotesound]amix=inputs=2:normalize=0:duration=first[mixedsound]" in text
    public = next(chain for chain in text.split(";\n") if chain.endswith("[sound]"))
    assert public.startswith("[mixedsound]") and "volume@mute" in public
