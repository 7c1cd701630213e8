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
from tests.streaming.media import LADDER, wait_for
from tests.streaming.speaking_feed import SpeakingFeed, chamber, cue_texts, subtitle_segments

from .conftest import off_loop
from .pages import until

pytestmark = [pytest.mark.browser]


@pytest.fixture
def hls_root(settings, tmp_path):
    """Before the server starts (it is a fork of this process, with these settings)."""
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    return settings.SEANCE_HLS_DIR


def vtt_seconds(text: str) -> float:
    h, m, s = text.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


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
        published = {t for _, vtt in subtitle_segments(config.output_dir) for t in cue_texts(vtt)}
        print("cues:", shown, "published:", published)
        assert shown.split(" ") and any(text in shown for text in published)
        # On the picture's clock: each cue where its segment's X-TIMESTAMP-MAP puts it
        # (the programme's media time), and the video playing on that same clock.
        segments = subtitle_segments(config.output_dir)
        starts = [vtt_seconds(line.split()[0]) for _, vtt in segments
                  for line in vtt.splitlines() if " --> " in line]  # fmt: skip
        locals_ = [vtt_seconds(vtt.split("LOCAL:")[1].split()[0]) for _, vtt in segments]
        timing = page.evaluate(
            "(() => { const v = document.getElementById('programme');"
            " const cues = [...v.textTracks].flatMap(t => [...(t.cues || [])]);"
            " return {cues: cues.map(c => c.startTime), now: v.currentTime}; })()"
        )
        print("timing:", timing, "published starts:", starts, "segments from", locals_[0])
        assert all(min(abs(t - s) for s in starts) < 0.05 for t in timing["cues"])
        assert locals_[0] - 1 <= timing["now"] <= locals_[-1] + 2
        assert page.evaluate("document.getElementById('programme').error") is None
    finally:
        captions.stop()
        supervisor.stop()
        feed.stop()
