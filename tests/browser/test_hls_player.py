"""hls.js (vendored) plays the playlists the programme publishes (streaming.hls): a real
mixer on simulated cameras, killed once (a discontinuity, its sequence carried once it
has left the window), then ended (EXT-X-ENDLIST): the player plays through the restart
and stops at the end, as a player reading the playlists by the book does."""

from __future__ import annotations

import os
import signal
import time

import pytest
from playwright.sync_api import expect

from streaming.hls import end_playlists, hls_dir
from streaming.ports import free_port
from streaming.programme.graph import ProgrammeConfig, ProgrammeInput
from streaming.programme.ingest import free_udp_port
from streaming.programme.supervisor import Supervisor
from tests import factories as f
from tests.streaming.media import LADDER, Feed, wait_for

from .conftest import off_loop
from .pages import until

pytestmark = [pytest.mark.browser]


@pytest.fixture
def hls_root(settings, tmp_path):
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    return settings.SEANCE_HLS_DIR


def played(page) -> float:
    return float(page.evaluate("document.getElementById('programme').currentTime"))


def test_the_player_plays_through_a_mixer_restart_to_the_end(hls_root, live_url, new_page):
    s = off_loop(lambda: f.in_session(f.assembly(members=5, population=1_000), present=5))
    feeds = [Feed("Camera-A", "red", 440, free_udp_port())]
    for feed in feeds:
        feed.start()
    config = ProgrammeConfig(
        inputs=tuple(ProgrammeInput(feed.name, feed.url) for feed in feeds),
        output_dir=hls_dir(s.id),
        control_address=f"tcp://127.0.0.1:{free_port()}",
        ladder=LADDER[1:],
        preset="ultrafast",
        list_size=4,
    )
    supervisor = Supervisor(config)
    supervisor.start()
    page = new_page()
    try:
        wait_for((config.output_dir / "master.m3u8").is_file, timeout=60)
        page.goto(f"{live_url}/sittings/{s.id}/")
        start = until(page, "v.currentTime > 0.5 ? v.currentTime : 0", timeout=60)
        os.kill(supervisor.mixer.pid or 0, signal.SIGKILL)
        wait_for(lambda: supervisor.health()["restarts"] == 1, timeout=20)
        before = played(page)
        # Past the restart, and on until its discontinuity has left the window.
        wait_for(lambda: played(page) > before + 8, timeout=60, step=0.5)
        playlist = (config.output_dir / "audio" / "index.m3u8").read_text()
        assert "#EXT-X-DISCONTINUITY-SEQUENCE:" in playlist
        assert page.evaluate("document.getElementById('programme').error") is None
    finally:
        supervisor.stop()
        for feed in feeds:
            feed.stop()
    end_playlists(config.output_dir)
    ended_at = time.monotonic()
    # The player stops polling, plays what is left and ends (its "ended" event: the page
    # says the broadcast has stopped), neither stalled at the live edge nor in error.
    last = played(page)
    expect(page.locator("#player-status")).to_contain_text("arrêtée", timeout=60_000)
    print(f"played {last - start:.1f} s live, ended {time.monotonic() - ended_at:.1f} s after")
