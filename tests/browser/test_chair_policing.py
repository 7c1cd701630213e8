"""R24 in Chromium: the chair calls a member to order and expels another from the desk;
the refusals show in place in French; the roll, the quorum and the public page follow;
the expelled member cannot be marked present again; the desk stays accessible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.models import AttendanceEvent, PolicingMeasure
from tests import factories as f

from .a11y import DESKTOP, PHONE, assert_accessible, assert_fits, typography_slips
from .conftest import off_loop, shoot
from .pages import desk

pytestmark = [pytest.mark.browser]


def test_the_chair_polices_the_sitting_from_the_desk(live_url, new_page):
    def prepare():
        a = f.assembly(members=9, population=1_000)
        s = f.in_session(a)
        return s, list(a.members.order_by("id").select_related("user"))

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    public = new_page()
    public.goto(f"{live_url}/sittings/{s.id}/")
    expect(public.locator("#live-policing")).to_contain_text("Aucun rappel à l'ordre")

    card = chair.locator(".desk-policing")
    outcome = chair.locator("#outcome-policing")
    # No member chosen: said in place, nothing sent.
    chair.click("#call-to-order")
    expect(outcome).to_have_text("Choisissez un membre présent.")
    # The chair is not offered; a member with no reason is refused by the server.
    expect(card.locator(f"#policing-member option[value='{people[0].id}']")).to_have_count(0)
    chair.select_option("#policing-member", str(people[4].id))
    chair.click("#call-to-order")
    expect(outcome).to_contain_text("Indiquez le motif de la mesure (R24).")
    expect(outcome).to_contain_text("(reason_missing)")

    chair.fill("#policing-reason", "Interruptions répétées")
    chair.click("#call-to-order")
    expect(outcome).to_have_text("Enregistré.")
    expect(chair.locator("#live-policing li")).to_have_count(1)
    expect(chair.locator("#live-policing li")).to_contain_text(
        f"{people[4].full_name} rappelé à l'ordre\u00a0: Interruptions répétées"
    )
    expect(chair.locator("#policing-reason")).to_have_value("")
    expect(public.locator("#live-policing li")).to_contain_text("rappelé à l'ordre")
    expect(chair.locator("#live-quorum")).to_contain_text("9 sur 9")

    # Expel: the chair confirms, the member leaves the roll and the quorum.
    chair.select_option("#policing-member", str(people[5].id))
    chair.fill("#policing-reason", "Trouble grave malgré un rappel")
    chair.once("dialog", lambda d: d.accept())
    chair.click("#expel")
    expect(outcome).to_have_text("Enregistré.")
    row = chair.locator(f"#live-roll li[data-member='{people[5].id}']")
    expect(row).to_have_class("absent")
    expect(row).to_contain_text("expulsé")
    expect(row.locator("button")).to_be_disabled()
    expect(chair.locator("#live-quorum")).to_contain_text("8 sur 9")
    expect(card.locator(f"#policing-member option[value='{people[5].id}']")).to_have_count(0)
    expect(public.locator("#live-policing li")).to_have_count(2)
    expect(public.locator("#live-policing li").nth(1)).to_contain_text(
        f"{people[5].full_name} expulsé de la séance\u00a0: Trouble grave malgré un rappel"
    )
    expect(public.locator("#live-attendance")).to_contain_text("8")

    # "All present" brings everyone back but the expelled member.
    chair.locator(f"#live-roll li[data-member='{people[7].id}'] button").click()
    expect(chair.locator(f"#live-roll li[data-member='{people[7].id}']")).to_have_class("absent")
    chair.click("#roll-all")
    expect(chair.locator("#outcome-roll")).to_have_text("Arrivées enregistrées\u00a0: 1.")
    expect(row).to_have_class("absent")

    def stored():
        measures = list(PolicingMeasure.objects.filter(sitting=s).order_by("id"))
        last = AttendanceEvent.objects.filter(sitting=s, member=people[5]).last()
        return [(p.kind, p.member_id) for p in measures], last.kind

    kinds, last = off_loop(stored)
    assert kinds == [("call_to_order", people[4].id), ("expulsion", people[5].id)]
    assert last == "departure"
    assert not typography_slips(chair)
    assert_accessible(chair)
    assert_accessible(public)
    shoot(chair, "desk-policing-1280")
    chair.set_viewport_size(PHONE)
    assert_fits(chair)
    shoot(chair, "desk-policing-390")
    chair.set_viewport_size(DESKTOP)
