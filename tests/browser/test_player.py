"""The public player in real Chromium: hls.js (vendored) plays the sitting's HLS, written by
a real ffmpeg, for more than ten seconds, with the quality menu and the sound-only choice;
no cookie, nothing from another host."""

from __future__ import annotations

import subprocess
import time

import imageio_ffmpeg
import pytest
from playwright.sync_api import expect

from streaming.hls import hls_dir
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import until

pytestmark = [pytest.mark.browser]


def ladder(out, seconds: int) -> subprocess.Popen:
    """A live two-rendition ladder and a sound-only rendition, 1-second fMP4 segments."""
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=640x360:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-filter_complex",
            "[0:v]split=2[a][b];[b]scale=320:180[c]",
            "-map",
            "[a]",
            "-map",
            "[c]",
            "-map",
            "1:a",
            "-map",
            "1:a",
            "-map",
            "1:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-keyint_min",
            "25",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_segment_type",
            "fmp4",
            "-hls_list_size",
            "10",
            "-hls_flags",
            "independent_segments+delete_segments",
            "-master_pl_name",
            "master.m3u8",
            "-var_stream_map",
            "v:0,a:0,name:360p v:1,a:1,name:180p a:2,name:audio",
            "-hls_segment_filename",
            str(out / "%v" / "seg%d.m4s"),
            str(out / "%v" / "index.m3u8"),
        ],  # fmt: skip
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def hls_root(settings, tmp_path):
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    return settings.SEANCE_HLS_DIR


def test_the_public_page_plays_the_live_programme(hls_root, live_url, new_page):
    s = off_loop(lambda: f.in_session(f.assembly(members=5, population=1_000), present=5))
    page = new_page()
    page.goto(f"{live_url}/sittings/{s.id}/")
    expect(page.locator("#player-status")).to_contain_text("pas commencé")  # nothing yet
    encoder = ladder(hls_dir(s.id), seconds=40)
    try:
        expect(page.locator("#quality option[data-level]")).to_have_count(2, timeout=20_000)
        start = until(page, "v.currentTime > 0.5 ? v.currentTime : 0")
        time.sleep(11)
        played = page.evaluate("document.getElementById('programme').currentTime") - start
        assert played > 9, f"the video advanced only {played:.1f} s in 11 s"
        assert page.evaluate("document.getElementById('programme').videoHeight") in (180, 360)
        page.check("#audio-only")
        expect(page.locator("#programme")).to_have_class("programme audio-only")
        heard = until(page, "v.videoHeight === 0 && v.currentTime > 1 ? v.currentTime : 0")
        time.sleep(2)
        assert page.evaluate("document.getElementById('programme').currentTime") > heard + 1
        shoot(page, "public-player")
    finally:
        encoder.kill()
        encoder.wait()
    assert not page.context.cookies()


def test_the_embed_page_can_be_framed_and_only_playlist_names_are_served(live_url, new_page):
    s = off_loop(lambda: f.in_session(f.assembly(members=5, population=1_000), present=5))
    page = new_page()
    response = page.goto(f"{live_url}/embed/sittings/{s.id}/")
    assert "x-frame-options" not in response.headers
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    expect(page.locator("#filming-notice")).to_contain_text("filmée")
    for bad in ("../../seance.sqlite3", "master.txt", "a/b/c.m3u8"):
        assert page.request.get(f"{live_url}/hls/{s.id}/{bad}").status == 404
