"""Issue 2's journey in real Chromium: the clerk prepares and convenes a sitting, a
councillor acknowledges the convocation, the chair runs the sitting and gives the floor;
the councillor's page and the public page follow without reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.models import ConvocationRecipient, Sitting
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_from_convocation_to_the_floor(live_url, new_page, tmp_path):
    def prepare():
        a = f.assembly(members=9, population=110_000, name="Ingeville")
        return a, f.staff(a), list(a.members.order_by("id").select_related("user"))

    assembly, clerk_user, members = off_loop(prepare)
    chair_member, councillor = members[0], members[4]
    report = tmp_path / "note.pdf"
    report.write_bytes(f.pdf_bytes("Note explicative de synthèse"))

    clerk = new_page()
    login(clerk, live_url, clerk_user.username)
    clerk.goto(f"{live_url}/clerk/assemblies/{assembly.id}/sittings/new/")
    clerk.fill("#id_title", "Conseil municipal du 14 décembre")
    clerk.fill("#id_starts_at", f.in_days(12).strftime("%Y-%m-%dT%H:%M"))
    clerk.click("form.clerk-form button[type=submit]")
    expect(clerk.locator("h1")).to_contain_text("Conseil municipal du 14 décembre")
    sitting_id = int(clerk.url.rstrip("/").rsplit("/", 1)[1])
    for title in (
        "Budget supplémentaire 2026",
        "Subventions aux associations sportives",
        "Tarifs de la restauration scolaire",
    ):
        clerk.fill("#id_item_title", title)
        clerk.select_option("#id_item_kind", "deliberation")
        clerk.select_option("#id_item_matter", "7.1")  # ACTES, needed before the vote
        clerk.click("form[action$='/items/'] button[type=submit]")
        expect(clerk.locator("body")).to_contain_text(title)
    items = off_loop(lambda: list(Sitting.objects.get(pk=sitting_id).items.all()))
    assert [i.position for i in items] == [1, 2, 3]
    for item in items:
        clerk.select_option(f"#id_doc{item.id}_kind", "synthesis")
        clerk.set_input_files(f"#id_doc{item.id}_file", str(report))
        clerk.click(f"form[action$='/items/{item.id}/documents/'] button[type=submit]")
        expect(
            clerk.locator(f"form[action$='/items/{item.id}/documents/']").locator("xpath=..")
        ).to_contain_text("note")
    clerk.goto(f"{live_url}/clerk/sittings/{sitting_id}/convocation/")
    shoot(clerk, "clerk-convocation-preview")
    clerk.click("form.clerk-form button[type=submit]")
    clerk.goto(f"{live_url}/clerk/sittings/{sitting_id}/deliveries/")
    expect(clerk.locator("body")).to_contain_text(councillor.full_name)

    token = off_loop(
        lambda: (
            ConvocationRecipient.objects.get(
                convocation__sitting_id=sitting_id, member=councillor
            ).token
        )
    )
    seat = new_page()
    seat.goto(f"{live_url}/convocations/ack/{token}/")
    expect(seat.locator("#ack-status")).to_contain_text(councillor.full_name)
    assert off_loop(lambda: ConvocationRecipient.objects.get(token=token).opened_at) is not None
    clerk.reload()
    shoot(clerk, "clerk-delivery-board")

    public = new_page()
    public.goto(f"{live_url}/sittings/{sitting_id}/")
    expect(public.locator("#live-connection")).to_have_text("En direct")
    chair = new_page()
    login(chair, live_url, chair_member.user.username)
    chair.goto(f"{live_url}/chair/sittings/{sitting_id}/")
    expect(chair.locator("#live-connection")).to_have_text("En direct")  # its socket is open
    for m in members[:5]:
        chair.locator(f"#live-roll li[data-member='{m.id}'] button").first.click()
        expect(chair.locator(f"#live-roll li[data-member='{m.id}']")).to_have_class("present")
    expect(chair.locator("#live-quorum")).to_contain_text("5 sur 9")
    expect(public.locator("#live-attendance")).to_contain_text("5")
    chair.select_option("#secretary-select", str(members[1].id))
    chair.click("#secretary-form button[type=submit]")
    chair.click("button[data-action=open]")
    # Convened for a later day: the desk offers to open all the same, with a reason (R2).
    chair.fill("#open-reason", "Essai de la séance")
    chair.click("#open-anyway-form button[type=submit]")
    expect(public.locator("#live-state")).to_have_text("Ouverte")

    login(seat, live_url, councillor.user.username)
    seat.goto(f"{live_url}/seat/sittings/{sitting_id}/")
    for item in items[:2]:
        chair.locator(f"#live-agenda li[data-item='{item.id}'] button").click()
        expect(public.locator("#live-current-item")).to_have_text(f"{item.position}. {item.title}")
        expect(seat.locator("#live-current-item")).to_have_text(f"{item.position}. {item.title}")
    seat.click("#raise-hand")
    chair.locator("#live-queue button[data-action=give_floor]").click()
    expect(seat.locator("#my-turn")).to_have_text("Vous avez la parole.")
    expect(public.locator("#live-speaker")).to_have_text(councillor.full_name)
    shoot(chair, "journey-chair")
    shoot(seat, "journey-seat")
    shoot(public, "journey-public")
    assert public.context.cookies() == []
