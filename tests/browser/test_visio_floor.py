"""The floor in the councillors' video, through a real Janus: the stage shows the chair
and a bounded number of thumbnails, the others are heard and not seen; the room's
programme reaches the participants through a Streaming mountpoint; giving the floor
opens the speaker's microphone, puts them on the stage, and into the public programme as
picture in picture (Janus forwards their RTP to the mixer), checked on a decoded frame of
the programme."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator

import imageio_ffmpeg
import pytest
from playwright.sync_api import expect

from sessions import services as sittings
from sessions.selectors import is_present
from streaming import services
from streaming.hls import hls_dir
from streaming.models import Broadcast, Camera
from streaming.ports import free_udp_port
from streaming.runner import BroadcastRunner
from tests import factories as f
from tests.streaming.media import Feed, close_to, pixel, segment_after_now, wait_for

from .conftest import launch, off_loop, shoot
from .pages import joined

pytestmark = [pytest.mark.browser]

RED, MAGENTA = (255, 0, 0), (255, 0, 255)
PIP = (0.85, 0.16)  # the middle of the picture in picture, top right of the programme


FAKE_DEVICES = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
)


@pytest.fixture(scope="module")
def browsers(tmp_path_factory) -> Iterator[tuple]:
    """Two Chromiums with fake devices: the built-in test pattern, and a camera filming a
    magenta wall (the speaker we look for in the programme)."""
    from playwright.sync_api import sync_playwright

    clip = tmp_path_factory.mktemp("camera") / "magenta.y4m"
    subprocess.run(
        [
            *(imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi"),
            *("-i", "color=c=magenta:s=640x480:r=15", "-t", "2", "-pix_fmt", "yuv420p", str(clip)),
        ],
        check=True,
    )
    with sync_playwright() as p:
        pattern = launch(p, *FAKE_DEVICES)
        magenta = launch(p, *FAKE_DEVICES, f"--use-file-for-fake-video-capture={clip}")
        yield pattern, magenta
        magenta.close()
        pattern.close()


@pytest.fixture
def configured(broadcast_settings) -> None:
    """Before the server starts (it is a forked process): one thumbnail on the stage."""
    broadcast_settings.SEANCE_VISIO_THUMBNAILS = 1


@pytest.fixture
def camera() -> Iterator[Feed]:
    feed = Feed("Salle", "red", 440, free_udp_port())
    feed.start()
    yield feed
    feed.stop()


def tile_shows(page, member_id: int) -> bool:
    """The councillor's tile on this page has a decoded picture."""
    return bool(
        page.evaluate(
            """(member) => {
              const video = document.querySelector(`.visio-tile[data-member="${member}"] video`);
              return Boolean(video && video.videoWidth > 0 && video.offsetHeight > 0);
            }""",
            member_id,
        )
    )


def watches_the_room(page) -> None:
    page.wait_for_function(
        "() => document.getElementById('visio-programme').videoWidth > 0", timeout=20_000
    )
    start = page.evaluate("document.getElementById('visio-programme').currentTime")
    page.wait_for_function(
        f"() => document.getElementById('visio-programme').currentTime > {start} + 2",
        timeout=10_000,
    )


def sounds(page) -> int:
    """How many councillors' sounds the page receives (the magenta camera's browser sends
    silence, so bytes, not energy: the relay sends silence for a closed microphone too,
    Janus nothing)."""
    return int(
        page.evaluate(
            """async () => {
              let flowing = 0;
              for (const pc of Object.values(window.visio.feeds)) {
                (await pc.getStats()).forEach((s) => {
                  if (s.type === "inbound-rtp" && s.kind === "audio" && s.bytesReceived > 0)
                    flowing += 1;
                });
              }
              return flowing;
            }"""
        )
    )


def width(page, member_id: int) -> int:
    return int(
        page.evaluate(
            "(m) => document.querySelector(`.visio-tile[data-member='${m}'] video`).videoWidth",
            member_id,
        )
    )


def test_the_floor_opens_the_microphone_and_puts_the_speaker_on_stage_and_on_air(
    backend,  # the fixture, from tests/media_backends.py
    configured,
    camera,
    live_url,
    browsers,
):
    def prepare():
        a = f.assembly(members=7, population=1_000)
        s = f.convened(a)
        Camera.objects.create(room=s.place, name=camera.name, feed_url=camera.url, position=1)
        chair = f.chair(a)
        first, second = f.councillors(a)[:2]
        in_chamber = [m for m in a.members.all() if m not in (first, second)]
        f.arrive(s, in_chamber)
        sittings.secretary_name(sitting=s, member=in_chamber[1], user=None)
        sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
        s.refresh_from_db()
        broadcast = services.broadcast_start(sitting=s, user=f.staff(a, role="technician"))
        return s, chair, first, second, broadcast

    sitting, chair, first, second, broadcast = off_loop(prepare)
    runner = BroadcastRunner(broadcast.pk, worker="test-runner")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        out = hls_dir(sitting.pk)
        wait_for(lambda: (out / "master.m3u8").exists(), timeout=30)
        remote = off_loop(lambda: Broadcast.objects.get(pk=broadcast.pk).remote_input)
        if backend == "janus":
            assert remote["index"] == 1  # the input after the room's one camera
        else:
            assert remote == {}  # the relay cannot forward a speaker to the mixer

        media_browser, magenta_browser = browsers
        mayor = joined(media_browser, live_url, chair.user.username, sitting.id)
        colleague = joined(media_browser, live_url, first.user.username, sitting.id)
        wait_for(lambda: tile_shows(mayor, first.id), timeout=20)
        speaker = joined(magenta_browser, live_url, second.user.username, sitting.id)

        # The stage: the first councillor is the one thumbnail; the second is heard only.
        expect(mayor.locator(f".visio-tile[data-member='{second.id}']")).to_have_attribute(
            "data-layer", "none"
        )
        assert tile_shows(mayor, first.id) and not tile_shows(mayor, second.id)
        shoot(mayor, f"visio-stage-before-floor-{backend}")

        # The room's programme, as the public sees it, through Janus's Streaming plugin.
        if backend == "relay":  # not offered
            expect(colleague.locator("#visio-programme-button")).to_be_hidden()
        else:
            colleague.click("#visio-programme-button")
            watches_the_room(colleague)

        # The councillor, who came in with the microphone closed, asks for the floor from
        # the video page; the chair gives it from the queue on the dashboard.
        assert not speaker.evaluate("window.visio.local.getAudioTracks()[0].enabled")
        # Present by video once their media flows (R26), and only then may they ask.
        assert off_loop(wait_for, lambda: is_present(sitting, second.id), 20)
        expect(speaker.locator("#visio-hand")).to_be_enabled(timeout=10_000)  # told so
        speaker.click("#visio-hand")
        expect(speaker.locator("#visio-hand-lower")).to_be_visible()
        expect(speaker.locator("#visio-status")).to_have_text(
            "Votre demande est dans la file des orateurs : le président vous donnera la parole."
        )
        desk = mayor.context.new_page()
        desk.goto(f"{live_url}/chair/sittings/{sitting.id}/")
        expect(desk.locator("#live-connection")).to_have_text("En direct")
        desk.locator("#live-queue button[data-action=give_floor]").click()
        expect(speaker.locator("#visio-status")).to_have_text(
            "Vous avez la parole : votre micro est ouvert."
        )
        assert speaker.evaluate("window.visio.local.getAudioTracks()[0].enabled")
        wait_for(lambda: sounds(mayor) >= 1, timeout=20)  # the speaker is heard
        expect(speaker.locator("#visio-hand")).to_be_hidden()  # the request was granted
        # The programme carries the speaker's voice: not played back to them.
        assert speaker.evaluate("document.getElementById('visio-programme').muted")
        wait_for(lambda: tile_shows(mayor, second.id), timeout=20)
        expect(mayor.locator(f"li[data-member='{second.id}']")).to_contain_text("a la parole")
        if backend == "janus":
            # Simulcast: the thumbnail arrives on a smaller layer than the speaker on stage.
            # (Chromium sends its fake 640-pixel camera in two or three layers; the top one
            # comes once its bandwidth estimate has grown.)
            wait_for(lambda: 0 < width(mayor, first.id) < 640, timeout=15)
            wait_for(lambda: width(mayor, second.id) > width(mayor, first.id), timeout=30)

        shoot(mayor, f"visio-stage-floor-given-{backend}")
        if backend == "janus":  # on air: the speaker in the corner of the public programme
            assert wait_for(lambda: close_to(pixel(segment_after_now(out), *PIP), MAGENTA), 30)

        # The floor ends: the microphone closes, the corner goes.
        desk.locator("#live-queue button[data-action=end_floor]").click()
        expect(speaker.locator("#visio-status")).to_have_text(
            "Votre temps de parole est terminé : votre micro est fermé."
        )
        if backend == "janus":
            assert wait_for(lambda: close_to(pixel(segment_after_now(out), *PIP), RED), 20)
        for page in (mayor, colleague, speaker):
            page.context.close()
    finally:
        off_loop(
            lambda: Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        )
        thread.join(20)
