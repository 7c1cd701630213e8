"""The room's screen and the co-built agenda carry text from councillors and the clerk
(a proposal's subject, note and reason, a screen's name, an item's summary): every one
stays text, over HTTP and in Chromium; a screen's token is stored only as its hash and
never leaves in a Referer; a screen never gets a cookie."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions import services
from sessions.models import AgendaItem, ScreenToken, Sitting
from sessions.services import proposals, screens
from tests import factories as f
from tests.browser.conftest import (  # noqa: F401 (the live server and browser fixtures)
    browser,
    live_server_process,
    live_url,
    off_loop,
)

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


@pytest.mark.django_db
def test_hostile_proposals_and_screen_names_are_escaped(client):
    a = f.assembly(members=4, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    member = f.councillors(a)[0]
    first = proposals.proposal_submit(sitting=s, member=member, title=HOSTILE, note=HOSTILE)
    second = proposals.proposal_submit(sitting=s, member=member, title="Deux", note="")
    proposals.proposal_decline(proposal=second, reason=HOSTILE, user=clerk)
    screens.screen_issue(assembly=a, label=HOSTILE, user=clerk)
    client.force_login(clerk)
    pages = [
        client.get(f"/clerk/sittings/{s.pk}/"),
        client.get(f"/clerk/assemblies/{a.pk}/screens/"),
    ]
    client.force_login(member.user)
    pages.append(client.get(f"/seat/sittings/{s.pk}/"))
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert "<img src=x" not in body and "<script>window.pwned" not in body
        assert "&lt;img src=x" in body
    assert first.pk


@pytest.mark.django_db
def test_a_token_is_stored_as_its_hash_only():
    a = f.assembly(members=2)
    screen, token = screens.screen_issue(assembly=a, label="Écran", user=None)
    stored = ScreenToken.objects.filter(pk=screen.pk).values().get()
    assert token not in repr(stored)
    assert stored["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert screens.screen_for_token(token).pk == screen.pk


def _hostile_sitting():
    a = f.assembly(members=5, population=1_000)
    s = f.sitting(a, items=1, notes=False)
    AgendaItem.objects.filter(sitting=s).update(title=HOSTILE, summary=HOSTILE)
    Sitting.objects.filter(pk=s.pk).update(state="convened", starts_at=timezone.now())
    s.refresh_from_db()
    people = list(a.members.order_by("id"))
    f.arrive(s, people)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None)
    services.item_take_up(sitting=s, item=s.items.get(), user=None)
    _screen, token = screens.screen_issue(assembly=a, label="Écran", user=None)
    return token


@pytest.mark.browser
def test_a_hostile_item_on_the_screen_stays_text(live_url, browser):  # noqa: F811
    token = off_loop(_hostile_sitting)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    requests: list[dict[str, str]] = []
    page.on("request", lambda r: requests.append(r.headers))
    page.goto(f"{live_url}/screen/{token}/")
    expect(page.locator("body[data-connected=true]")).to_have_count(1)
    expect(page.locator("#scr-item-title")).to_have_text(HOSTILE)
    expect(page.locator("#scr-item-text")).to_contain_text("<script>")
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator("#main img").count() == 0
    assert context.cookies() == []
    assert not any(token in h.get("referer", "") for h in requests)
    context.close()
