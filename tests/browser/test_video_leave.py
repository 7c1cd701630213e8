"""Leaving the video, as the chair sees it (issue 15): a councillor who joined by video is
"à distance" on the chair's roll; they press "Quitter" and the chair's roll shows them
absent within a moment, long before the grace period given to a connection that drops
(20 s here), and the count of members present follows."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


@pytest.fixture
def relay(settings):
    """The embedded relay, and the production grace period, for the server started next."""
    settings.SEANCE_JANUS_URL = ""
    settings.SEANCE_MEDIA_GRACE_SECONDS = 20


def page_of(browser, live_url, username):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900})
    context.grant_permissions(["camera", "microphone"])
    page = context.new_page()
    login(page, live_url, username)
    return page


def test_the_chairs_roll_follows_a_councillor_who_leaves_the_video(
    relay,
    live_url,
    media_browser,
):
    def prepare():
        a = f.assembly(members=5, population=1_000)
        s = f.in_session(a, present=3)
        return s, f.chair(a), list(a.members.order_by("id"))[4]

    sitting, chair, councillor = off_loop(prepare)
    desk = page_of(media_browser, live_url, chair.user.username)
    desk.goto(f"{live_url}/chair/sittings/{sitting.id}/")
    entry = desk.locator(f"#live-roll li[data-member='{councillor.id}']")
    summary = desk.locator("#roll-summary")
    expect(entry).to_have_class("absent")
    expect(summary).to_have_text(re.compile(r"^3 "))

    member = page_of(media_browser, live_url, councillor.user.username)
    member.goto(f"{live_url}/visio/sittings/{sitting.id}/")
    member.click("#visio-join-button")
    expect(member.locator("#visio-status")).to_have_text(re.compile(r"^Connecté"))
    expect(entry).to_have_class("present", timeout=20_000)  # once its media flows
    expect(entry.locator(".where")).to_have_text("à distance")
    expect(summary).to_have_text(re.compile(r"^4 "))
    shoot(desk, "chair-roll-remote")

    left = time.monotonic()
    member.click("#visio-leave")
    expect(entry).to_have_class("absent", timeout=3_000)
    assert time.monotonic() - left < 3  # not the 20 s of a dropped connection
    expect(summary).to_have_text(re.compile(r"^3 "))
    member.context.close()
    desk.context.close()
