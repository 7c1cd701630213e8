"""The chair runs a sitting; a councillor and the public follow without reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_chair_runs_the_sitting_and_everyone_follows(live_url, new_page):
    def prepare():
        a = f.assembly(members=7, population=1_000)
        s = f.convened(a, notes=False)
        return s, list(a.members.order_by("id").select_related("user")), list(s.items.all())

    s, members, items = off_loop(prepare)
    chair_user, councillor = members[0].user, members[3]

    public = new_page()
    public.goto(f"{live_url}/sittings/{s.id}/")
    expect(public.locator("#live-connection")).to_have_text("En direct")
    assert public.context.cookies() == []

    chair = new_page()
    login(chair, live_url, chair_user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    expect(chair.locator("#live-connection")).to_have_text("En direct")
    chair2 = new_page()
    login(chair2, live_url, chair_user.username)
    chair2.goto(f"{live_url}/chair/sittings/{s.id}/")

    for m in members[:5]:
        chair.locator(f"#live-roll li[data-member='{m.id}'] button").click()
        expect(chair.locator(f"#live-roll li[data-member='{m.id}']")).to_have_class("present")
    chair.select_option("#secretary-select", str(members[1].id))
    chair.click("#secretary-form button[type=submit]")
    expect(chair.locator("#live-secretary")).to_have_text(members[1].full_name)
    expect(chair.locator("#live-quorum")).to_contain_text("5 sur 7")
    chair.click("button[data-action=open]")
    # Convened in ten days: the desk offers to open all the same, with a reason (R2).
    chair.fill("#open-reason", "Essai de la séance")
    chair.click("#open-anyway-form button[type=submit]")
    expect(chair.locator("#live-state")).to_have_text("Ouverte")
    expect(chair2.locator("#live-state")).to_have_text("Ouverte")  # two chair windows in sync

    seat = new_page()
    login(seat, live_url, councillor.user.username)
    seat.goto(f"{live_url}/seat/sittings/{s.id}/")
    chair.locator(f"#live-agenda li[data-item='{items[0].id}'] button").click()
    for page in (public, seat, chair2):
        expect(page.locator("#live-current-item")).to_have_text(f"1. {items[0].title}")

    seat.click("#raise-hand")
    expect(seat.locator("#my-turn")).to_have_text("Vous avez demandé la parole.")
    expect(chair.locator("#live-queue li")).to_contain_text(councillor.full_name)
    chair.locator("#live-queue button[data-action=give_floor]").click()
    expect(seat.locator("#my-turn")).to_have_text("Vous avez la parole.")
    expect(public.locator("#live-speaker")).to_have_text(councillor.full_name)
    shoot(chair, "chair-dashboard")
    shoot(seat, "councillor-seat")
    shoot(public, "public-sitting")

    chair.locator(f"#live-agenda li[data-item='{items[1].id}'] button").click()
    expect(public.locator("#live-current-item")).to_have_text(f"2. {items[1].title}")
    expect(public.locator("#live-speaker")).to_have_text("Personne n'a la parole")
    assert public.context.cookies() == []
