"""The public page behind the shipped nginx follows the sitting through nginx's nchan
(EventSource, sessions/live/public_feed.py), not a Python websocket: the chair takes up an
item on the desk (Daphne publishes after the commit), the citizen's page shows it, and a
page opened later shows the latest state at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.sessions.nchan import publish_url, start_nginx

from .conftest import off_loop
from .pages import login

pytestmark = [pytest.mark.browser]


@pytest.fixture
def feed_settings(settings):
    """Set before the live server forks (request it before `live_url`)."""
    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = publish_url()
    return settings


@pytest.fixture
def front(feed_settings, live_server_process, tmp_path):
    server = start_nginx(
        tmp_path,
        live_server_process[0].port.value,
        feed_settings.SEANCE_PUBLIC_FEED_PUBLISH_URL,
    )
    try:
        yield f"https://127.0.0.1:{server.port}"
    finally:
        server.stop()


def citizen(browser, url: str):
    context = browser.new_context(locale="fr-FR", ignore_https_errors=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(url)
    return page, sockets


def test_the_public_page_follows_the_sitting_through_nchan(
    feed_settings, live_url, front, browser, new_page
):
    def prepare():
        a = f.assembly(members=5, population=1_000)
        s = f.in_session(a, present=5, items=2)
        return s, f.chair(a).user, list(s.items.order_by("position"))

    s, chair_user, items = off_loop(prepare)
    public, sockets = citizen(browser, f"{front}/sittings/{s.id}/")
    expect(public.locator("#live-connection")).to_have_text("En direct")
    expect(public.locator("#live-current-item")).to_have_text(f"1. {items[0].title}")

    chair = new_page()
    login(chair, live_url, chair_user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    expect(chair.locator("#live-connection")).to_have_text("En direct")
    chair.locator(f"#live-agenda li[data-item='{items[1].id}'] button").click()
    expect(public.locator("#live-current-item")).to_have_text(f"2. {items[1].title}")
    assert public.evaluate("document.body.dataset.lastEvent") == "sittings.item_taken_up"

    # A citizen arriving now: the latest state, from nginx, at once.
    late, late_sockets = citizen(browser, f"{front}/sittings/{s.id}/")
    expect(late.locator("#live-current-item")).to_have_text(f"2. {items[1].title}")
    expect(late.locator("#live-connection")).to_have_text("En direct")
    assert sockets == [] and late_sockets == []  # no Python websocket per citizen
    assert public.context.cookies() == []
    public.context.close()
    late.context.close()
