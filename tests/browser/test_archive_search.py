"""The archive's search and the councillors' pages in real Chromium, at 1280 px and at
390 px (a phone): axe-core finds no violation and nothing is wider than the window. A
citizen types a word said in a sitting into the archive's search box, follows the hit,
and the replay opens at that moment (#t=)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from streaming.models import Transcript
from streaming.replay import build_replay
from tests.streaming.chamber_speech import closed_sitting, record_chamber
from tests.voting.councillor_sittings import councillor_sitting

from .a11y import DESKTOP, PHONE, assert_accessible, assert_fits
from .conftest import off_loop, shoot

pytestmark = [pytest.mark.browser]


def test_a_spoken_word_found_from_the_archive_opens_the_replay_at_its_moment(
    settings, tmp_path, live_url, new_page
):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    (tmp_path / "speech").mkdir()
    part, spans = record_chamber(tmp_path / "speech")
    s, _a, b_member, _chair = off_loop(closed_sitting, part, spans)
    replay = off_loop(build_replay, s)  # transactional: the transcription runs (eager)
    assert off_loop(lambda: Transcript.objects.get(replay=replay).state) == "ready"

    page = new_page()
    page.goto(f"{live_url}/archive/")
    page.get_by_label("Rechercher dans les archives", exact=False).fill("piscine")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_test_id("search-total")).to_contain_text("résultat")
    spoken = page.locator('[data-testid=search-hit][data-kind="spoken"]').first
    expect(spoken).to_contain_text(b_member.full_name)
    assert_accessible(page)
    link = spoken.get_by_test_id("hit-link")
    moment = int(link.get_attribute("href").rpartition("#t=")[2])
    assert 0 < moment < replay.duration
    link.click()
    page.wait_for_url(f"**/archive/sittings/{s.pk}/replay/#t={moment}")
    page.wait_for_function(
        "(t) => { const v = document.getElementById('replay');"
        " return v && v.readyState >= 1 && Math.abs(v.currentTime - t) < 0.5; }",
        arg=moment,
    )
    shoot(page, "search-replay-moment")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_search_and_the_councillor_pages_are_accessible_and_fit(size, live_url, new_page):
    s, people = off_loop(councillor_sitting)
    slug = s.assembly.slug
    page = new_page()
    page.set_viewport_size(size)
    visits = [
        ("archive", "/archive/"),
        ("search", "/archive/search/?q=gymnase"),
        ("search-empty", "/archive/search/?q=rien"),
        ("search-bad", "/archive/search/?q=%2A%2A%2A"),
        ("sitting", f"/archive/sittings/{s.pk}/"),
        ("holder", f"/archive/{slug}/councillors/{people[2].pk}/"),
        ("grantor", f"/archive/{slug}/councillors/{people[5].pk}/"),
    ]
    for name, url in visits:
        page.goto(live_url + url)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
        assert_fits(page)
        shoot(page, f"search-{name}-{size['width']}")

    # from the sitting's members to a councillor, by keyboard-reachable links
    page.goto(f"{live_url}/archive/sittings/{s.pk}/")
    page.get_by_test_id("sitting-members").get_by_role("link", name=people[5].full_name).click()
    expect(page.get_by_test_id("councillor-name")).to_have_text(people[5].full_name)
    expect(page.get_by_test_id("by-proxy")).to_contain_text(people[2].full_name)
