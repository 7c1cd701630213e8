"""The delivery board in real Chromium: the mail server refuses one member's address, the
clerk's send still lands on the board, which shows the refusal; once the address is put
right the clerk sends that member the convocation again from the board."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.models import ConvocationRecipient
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_a_refused_address_is_shown_and_sent_again_from_the_board(smtp, live_url, new_page):
    def prepare():
        a = f.assembly(members=4, population=1_200, name="Ingeville")
        s = f.sitting(a, days=10, notes=False)
        return s, f.staff(a), list(a.members.order_by("id"))

    sitting, clerk_user, members = off_loop(prepare)
    refused = members[0]
    smtp.refuse(refused.email, f"550 5.1.1 <{refused.email}>: Recipient address rejected")

    clerk = new_page()
    login(clerk, live_url, clerk_user.username)
    clerk.goto(f"{live_url}/clerk/sittings/{sitting.id}/convocation/")
    clerk.click("form.clerk-form button[type=submit]")
    clerk.wait_for_url(f"{live_url}/clerk/sittings/{sitting.id}/deliveries/")
    for m in members[1:]:
        smtp.wait_for(m.email)
    row = clerk.locator(f"tr[data-recipient='{refused.id}']")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "failed")
    expect(row).to_contain_text("En échec")
    expect(row.locator("[data-error]")).to_contain_text("refusé l'adresse")
    expect(row.locator("[data-error]")).to_contain_text("550")
    expect(clerk.locator("[data-total=sent]")).to_have_text("3")
    for m in members[1:]:
        expect(clerk.locator(f"tr[data-recipient='{m.id}'] [data-status]")).to_have_attribute(
            "data-status", "sent"
        )
    shoot(clerk, "clerk-deliveries-refused")

    def correct_the_address():
        refused.email = "bonne.adresse@example.fr"
        refused.save(update_fields=["email"])

    off_loop(correct_the_address)
    smtp.recover()
    row.locator("button[data-resend]").click()
    expect(clerk.locator(".messages")).to_contain_text("La convocation est renvoyée")
    row = clerk.locator(f"tr[data-recipient='{refused.id}']")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "sent")
    expect(row).to_contain_text("bonne.adresse@example.fr")
    expect(row.locator("[data-error]")).to_have_count(0)
    expect(clerk.locator("[data-total=sent]")).to_have_text("4")
    smtp.wait_for("bonne.adresse@example.fr")
    resent = off_loop(
        lambda: ConvocationRecipient.objects.get(member=refused, convocation__sitting=sitting)
    )
    assert (resent.dispatch, resent.status, resent.attempts) == (2, "sent", 1)
    shoot(clerk, "clerk-deliveries-resent")
