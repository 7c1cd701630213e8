"""R32 on the delivery board in real Chromium: an EPCI's convocation goes to the member
communes' councillors outside its council; the mail server refuses one address, the board
shows it in its own section, and the clerk sends that copy again once it is put right."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from council.models import Assembly, CommuneCouncillor
from sessions.models import CouncillorCopy
from tests import factories as f

from .a11y import axe_violations
from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_a_refused_copy_is_shown_in_its_section_and_sent_again(smtp, live_url, new_page):
    def prepare():
        a = f.assembly(kind=Assembly.Kind.EPCI, members=3, population=41_000, name="Agglo")
        commune = a.communes.order_by("name").last()
        people = [
            CommuneCouncillor.objects.create(
                commune=commune, first_name=n, last_name="Petitbourg", email=f"{n}@pb.example.fr"
            )
            for n in ("alice", "bruno")
        ]
        return f.sitting(a, days=10), f.staff(a), people

    sitting, clerk_user, (refused, other) = off_loop(prepare)
    smtp.refuse(refused.email, f"550 5.1.1 <{refused.email}>: Recipient address rejected")

    clerk = new_page()
    login(clerk, live_url, clerk_user.username)
    clerk.goto(f"{live_url}/clerk/sittings/{sitting.id}/convocation/")
    clerk.click("form.clerk-form button[type=submit]")
    clerk.wait_for_url(f"{live_url}/clerk/sittings/{sitting.id}/deliveries/")
    smtp.wait_for(other.email)
    section = clerk.locator("[data-copies]")
    expect(section.locator("h2")).to_have_text("Conseillers municipaux des communes membres")
    row = section.locator(f"tr[data-councillor='{refused.id}']")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "failed")
    expect(row.locator("[data-error]")).to_contain_text("550")
    ok = section.locator(f"tr[data-councillor='{other.id}']")
    expect(ok.locator("[data-status]")).to_have_attribute("data-status", "sent")
    expect(ok.locator("[data-deadline]")).to_have_text("dans le délai")
    shoot(clerk, "clerk-deliveries-copies-refused")
    assert axe_violations(clerk) == []

    def correct_the_address():
        refused.email = "alice.bonne@pb.example.fr"
        refused.save(update_fields=["email"])

    off_loop(correct_the_address)
    smtp.recover()
    row.locator("button[data-resend-copy]").click()
    expect(clerk.locator(".messages")).to_contain_text("La copie est renvoyée")
    row = clerk.locator(f"[data-copies] tr[data-councillor='{refused.id}']")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "sent")
    expect(row).to_contain_text("alice.bonne@pb.example.fr")
    expect(row.locator("[data-error]")).to_have_count(0)
    smtp.wait_for("alice.bonne@pb.example.fr")
    copy = off_loop(lambda: CouncillorCopy.objects.get(sitting=sitting, councillor=refused))
    assert (copy.dispatch, copy.status, copy.attempts) == (2, "sent", 1)
    shoot(clerk, "clerk-deliveries-copies-resent")

    clerk.get_by_role("link", name="Les conseillers municipaux des communes membres").click()
    expect(clerk.locator("h1")).to_contain_text("Conseillers municipaux des communes membres")
    expect(clerk.locator(f"tr[data-councillor='{refused.id}']")).to_contain_text(
        "alice.bonne@pb.example.fr"
    )
    assert axe_violations(clerk) == []
