"""The public player shows the live captions (streaming.transcript.live): a real mixer on
a simulated camera whose sound is French speech (espeak-ng), the caption worker beside it,
hls.js (vendored) in Chromium. The captions checkbox appears once the master lists the
subtitles, is ticked from the keyboard, and the video's text track gets the cues."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from streaming.hls import hls_dir
from streaming.ports import free_port
from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.ingest import free_udp_port
from streaming.programme.supervisor import Supervisor
from streaming.transcript.live import LiveCaptions
from tests import factories as f
from tests.streaming.test_live_captions import SpeakingFeed, chamber
from tests.streaming.test_programme import LADDER, wait_for

from .conftest import off_loop
from .test_player import until

pytestmark = [pytest.mark.browser]


@pytest.fixture
def hls_root(settings, tmp_path):
    """Before the server starts (it is a fork of this process, with these settings)."""
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    return settings.SEANCE_HLS_DIR


def test_the_player_shows_the_live_captions(hls_root, tmp_path, live_url, new_page):
    s = off_loop(lambda: f.in_session(f.assembly(members=5, population=1_000), present=5))
    feed = SpeakingFeed("Salle", chamber(tmp_path), free_udp_port())
    feed.start()
    config = ProgrammeConfig(
        inputs=(ProgrammeInput(feed.name, feed.url),),
        output_dir=hls_dir(s.id),
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDER[2:],
        preset="ultrafast",
        subtitles=True,
    )
    supervisor = Supervisor(config)
    captions = LiveCaptions(config.output_dir)
    supervisor.start()
    captions.start()
    page = new_page()
    try:
        wait_for((config.output_dir / "master.m3u8").is_file, timeout=60)
        page.goto(f"{live_url}/sittings/{s.id}/")
        choice = page.get_by_label("Sous-titres en direct")
        expect(choice).to_be_visible(timeout=30_000)
        choice.focus()
        page.keyboard.press("Space")
        expect(choice).to_be_checked()
        shown = until(
            page,
            "[...v.textTracks].filter(t => t.mode === 'showing' && t.cues && t.cues.length)"
            ".map(t => [...t.cues].map(c => c.text).join(' ')).join(' ')",
            timeout=45,
        )
        print("cues:", shown)
        assert "commune" in shown.lower() or "piscine" in shown.lower()
        assert page.evaluate("document.getElementById('programme').error") is None
    finally:
        captions.stop()
        supervisor.stop()
        feed.stop()
