"""The server dies in the middle of a vote: no acknowledged ballot is lost, and every page
reconnects and resynchronises by itself. A broadcast that ends and comes back plays again
by itself in the citizen's player."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from streaming.hls import hls_dir
from streaming.models import Broadcast, Camera
from streaming.runner import BroadcastRunner
from streaming.services import broadcast_start
from tests import factories as f
from voting.models import Ballot

from .conftest import off_loop, start_daphne
from .pages import login, stop_runner, until

pytestmark = [pytest.mark.browser]


def test_a_killed_server_loses_no_ballot_and_pages_come_back(
    live_server_process, live_url, new_page
):
    def prepare():
        a = f.assembly(members=5, population=1_000)
        return f.in_session(a), list(a.members.order_by("id").select_related("user"))

    s, people = off_loop(prepare)
    public = new_page()
    public.goto(f"{live_url}/sittings/{s.id}/")
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    seats = []
    for m in people[1:3]:
        page = new_page()
        login(page, live_url, m.user.username)
        page.goto(f"{live_url}/seat/sittings/{s.id}/")
        seats.append(page)
    chair.click("#vote-form button[type=submit]")
    first = seats[0].locator(f".ballot[data-voice='{people[1].id}']")
    first.locator("button[data-ballot='for']").click()
    expect(first.locator(".receipt")).to_be_visible()

    server = live_server_process[0]
    port = server.port.value
    server.kill()  # as a crash would: no clean shutdown
    server.join(10)
    for page in (public, chair, *seats):
        expect(page.locator("#live-connection")).to_have_text("Connexion perdue, reconnexion…")
    live_server_process.append(start_daphne(port))
    for page in (public, chair, *seats):
        expect(page.locator("#live-connection")).to_have_text("En direct", timeout=20_000)

    # The acknowledged ballot survived, and the seat knows it without reloading.
    expect(seats[0].locator(f".ballot[data-voice='{people[1].id}'] .receipt")).to_be_visible()
    second = seats[1].locator(f".ballot[data-voice='{people[2].id}']")
    second.locator("button[data-ballot='against']").click()
    expect(second.locator(".receipt")).to_be_visible()
    chair.once("dialog", lambda dialog: dialog.accept())  # three voices have not voted
    chair.locator("#live-vote button[data-action=vote_close]").click()
    expect(public.locator("#live-vote .result")).to_be_visible()
    expect(public.locator("#live-vote")).to_contain_text(people[1].full_name)
    ballots = off_loop(lambda: sorted(Ballot.objects.values_list("member_id", "choice")))
    assert ballots == [(people[1].id, "for"), (people[2].id, "against")]


def test_a_broadcast_that_ends_and_comes_back_plays_again_by_itself(cameras, live_url, new_page):
    """Its playlists end (EXT-X-ENDLIST, as when its worker is lost or it is stopped): the
    citizen's player says so and tries again; a new runner appends to the same playlists,
    and the same page plays again without being reloaded."""

    def prepare():
        a = f.assembly(members=5, population=1_000)
        s = f.in_session(a, present=5)
        for n, feed in enumerate(cameras, start=1):
            Camera.objects.create(room=s.place, name=feed.name, feed_url=feed.url, position=n)
        return s, broadcast_start(sitting=s, user=None)

    sitting, broadcast = off_loop(prepare)
    thread = run_broadcast(broadcast)
    try:
        viewer = new_page()
        viewer.goto(f"{live_url}/sittings/{sitting.id}/")
        until(viewer, "v.currentTime > 1 ? v.currentTime : 0", timeout=60)

        stop_runner(broadcast, thread)
        assert ends(hls_dir(sitting.id) / "360p" / "index.m3u8")
        expect(viewer.locator("#player-status")).to_have_text(
            "La diffusion est arrêtée ; elle reprendra ici d’elle-même.", timeout=30_000
        )
        stopped_at = viewer.evaluate("document.getElementById('programme').currentTime")

        broadcast = off_loop(broadcast_start, sitting=sitting, user=None)
        thread = run_broadcast(broadcast)
        expect(viewer.locator("#player-status")).to_have_text("", timeout=60_000)
        again = until(viewer, "!v.paused && v.currentTime > 1 ? v.currentTime : 0", timeout=60)
        wait_until = time.monotonic() + 30
        while time.monotonic() < wait_until:
            now = viewer.evaluate("document.getElementById('programme').currentTime")
            if now > again + 3:
                break
            time.sleep(0.5)
        assert now > again + 3, f"played {now - again:.1f} s after coming back"
        print(f"stopped at {stopped_at:.1f} s; playing again, {now:.1f} s")
    finally:
        stop_runner(broadcast, thread)


def run_broadcast(broadcast: Broadcast) -> threading.Thread:
    thread = threading.Thread(target=BroadcastRunner(broadcast.pk).run, daemon=True)
    thread.start()
    return thread


def ends(playlist: Path) -> bool:
    return playlist.read_text().rstrip().endswith("#EXT-X-ENDLIST")
