"""The room's screen in Chromium at 1920x1080: the clerk issues its link, the display
follows the sitting without reloading (an item taken up, the floor given, a vote opened
and closed, a closed session), and a revoked link stops it with a French message."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions import services
from sessions.models import AgendaItem, Sitting
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import act

pytestmark = [pytest.mark.browser]

TEXT = (
    "Le conseil municipal est invité à approuver le budget primitif 2027.\n\n"
    "Vu le code général des collectivités territoriales ; vu l'avis de la commission."
)


def _sitting_now():
    """A sitting convened for now (its convocation is not what this test is about)."""
    a = f.assembly(members=7, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=2, notes=False)
    AgendaItem.objects.filter(sitting=s, position=1).update(summary=TEXT)
    Sitting.objects.filter(pk=s.pk).update(state="convened", starts_at=timezone.now())
    s.refresh_from_db()
    people = list(a.members.order_by("id").select_related("user"))
    f.arrive(s, people[:6])
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None)
    return a, s, clerk, people, list(s.items.order_by("position"))


def _login(page, base, user):
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


def _person(browser, base, user, width=1280):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    _login(page, base, user)
    return context, page


def _open_vote_id(sitting):
    from voting.models import Vote

    return Vote.objects.filter(sitting=sitting).order_by("-id").values_list("id", flat=True)[0]


def test_the_screen_follows_the_sitting_at_1920x1080(live_url, browser):
    a, s, clerk, people, items = off_loop(_sitting_now)
    desk, clerk_page = _person(browser, live_url, clerk, width=390)
    clerk_page.goto(f"{live_url}/clerk/assemblies/{a.pk}/screens/")
    clerk_page.fill("#screen-label", "Salle du conseil, mur du fond")
    clerk_page.click("form.clerk-form button[type=submit]")
    url = clerk_page.locator("[data-testid=screen-url]").inner_text().strip()
    assert url.startswith(f"{live_url}/screen/")
    assert _no_horizontal_scroll(clerk_page)
    shoot(clerk_page, "screens-clerk-phone")
    chair_ctx, chair = _person(browser, live_url, people[0].user)
    speaker, next_one = people[3], people[4]
    seat_ctx, seat = _person(browser, live_url, speaker.user)
    next_ctx, next_seat = _person(browser, live_url, next_one.user)

    room = browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080})
    room.set_default_timeout(10_000)
    screen = room.new_page()
    screen.goto(url)
    assert room.cookies() == []
    expect(screen.locator("#scr-state")).to_have_text("Ouverte")
    expect(screen.locator("#scr-item-title")).to_have_text("Aucun point en discussion")
    expect(screen.locator("body[data-connected=true]")).to_have_count(1)
    screen.evaluate("() => { window.notReloaded = true; }")

    act(chair, s, "chair", action="take_up", item=items[0].pk)
    expect(screen.locator("#scr-item-title")).to_have_text(items[0].title)
    expect(screen.locator("#scr-item-number")).to_contain_text("Point 1")
    expect(screen.locator("#scr-item-text")).to_contain_text("budget primitif 2027")

    act(seat, s, "seat", action="raise_hand")
    act(next_seat, s, "seat", action="raise_hand")
    expect(screen.locator("#scr-queue")).to_contain_text(next_one.full_name)
    request = off_loop(
        lambda: s.speaking_requests.get(member=speaker, state="waiting").pk  # type: ignore[attr-defined]
    )
    act(chair, s, "chair", action="give_floor", request=request)
    expect(screen.locator("#scr-speaker")).to_have_text(speaker.full_name)
    expect(screen.locator("#scr-queue")).not_to_contain_text(speaker.full_name)

    act(chair, s, "chair", action="vote_open", item=items[0].pk, kind="hands")
    expect(screen.locator("#scr-vote")).to_contain_text("Vote en cours")
    shoot(screen, "screen-vote-open-1920")
    vote = off_loop(_open_vote_id, s)
    counts = {"for": 5, "against": 1, "abstain": 0}
    act(chair, s, "chair", action="vote_close", vote=vote, counts=counts, confirm=True)
    expect(screen.locator("#scr-vote")).to_contain_text("Résultat du vote")
    expect(screen.locator("#scr-vote .scr-result")).to_have_text("Adopté")
    expect(screen.locator("#scr-vote .tally-for .n")).to_have_text("5")
    shoot(screen, "screen-vote-closed-1920")

    requesters = [p.pk for p in people[:3]]
    # R25: the council's own vote on the closed session, by show of hands.
    act(chair, s, "chair", action="closed_session_vote_open", requested_by=requesters)
    closing = {"for": 6, "against": 0, "abstain": 0}
    act(chair, s, "chair", action="vote_close", vote=off_loop(_open_vote_id, s), counts=closing)
    expect(screen.locator("#scr-closed")).to_be_visible()
    expect(screen.locator("#scr-closed")).to_contain_text("Huis clos")
    expect(screen.locator("#scr-item-title")).to_have_text(items[0].title)  # the members' view
    shoot(screen, "screen-closed-session-1920")
    assert screen.evaluate("() => window.notReloaded === true")
    size = screen.evaluate(
        "() => parseFloat(getComputedStyle(document.getElementById('scr-item-title')).fontSize)"
    )
    assert size >= 48  # readable from the back of the chamber
    assert _no_horizontal_scroll(screen)

    tablet = room.new_page()
    tablet.set_viewport_size({"width": 820, "height": 1180})
    tablet.goto(url)
    expect(tablet.locator("#scr-item-title")).to_have_text(items[0].title)
    assert _no_horizontal_scroll(tablet)
    shoot(tablet, "screen-tablet")

    clerk_page.click("[data-testid=screens] button.danger")
    expect(screen.locator("#scr-connection")).to_contain_text("révoqué par le greffe")
    answer = screen.goto(url)
    assert answer is not None and answer.status == 403
    expect(screen.locator("body")).to_contain_text("révoqué par le greffe")
    for context in (desk, chair_ctx, seat_ctx, next_ctx, room):
        context.close()


def _prepared_agenda():
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, notes=False)
    return a, s, clerk, f.councillors(a)[0]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_councillor_proposes_from_the_seat_and_the_clerk_accepts(live_url, browser, width):
    a, s, clerk, member = off_loop(_prepared_agenda)
    ctx = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    _login(page, live_url, member.user)
    page.click("nav >> text=Séances")
    expect(page.locator("h1")).to_have_text("Mes séances")
    page.click("text=Proposer un point à l’ordre du jour")
    page.fill("#proposal-title", "Piste cyclable rue Haute")
    page.fill("#proposal-note", "Pétition de 300 habitants.")
    page.click("#proposals button[type=submit]")
    expect(page.locator("[data-testid=my-proposals] li")).to_contain_text("En attente de décision")
    assert _no_horizontal_scroll(page)
    shoot(page, f"proposal-seat-{width}")

    clerk_ctx = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    clerk_ctx.set_default_timeout(10_000)
    desk = clerk_ctx.new_page()
    _login(desk, live_url, clerk)
    desk.goto(f"{live_url}/clerk/sittings/{s.pk}/")
    expect(desk.locator("[data-testid=proposals]")).to_contain_text(member.full_name)
    assert _no_horizontal_scroll(desk)
    shoot(desk, f"proposal-clerk-{width}")
    desk.click("[data-testid=proposals] button:has-text('Accepter')")
    expect(desk.locator(".clerk-items")).to_contain_text("Piste cyclable rue Haute")

    page.goto(f"{live_url}/seat/sittings/{s.pk}/")
    expect(page.locator("[data-testid=my-proposals] li")).to_contain_text(
        "point 2 de l’ordre du jour"
    )
    ctx.close()
    clerk_ctx.close()
