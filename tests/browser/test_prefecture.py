"""The clerk's Préfecture tab, in real Chromium: the demo's deliberations acknowledged by
the prefecture (through the S²LOW simulator, at the demo's set-up), one refused by S²LOW
with its reason; the clerk sends it again. The tab and the archive that says "transmis en
préfecture le …" pass axe-core at 1280 px and 390 px."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from sessions.models import Sitting, Transmission
from tests.browser.page_survey import PASSWORD, Visit, survey

from .a11y import DESKTOP, PHONE
from .conftest import off_loop

pytestmark = [pytest.mark.browser]
REASON = "La classification 9.9 n'existe pas dans la nomenclature de la collectivité."


def demo_with_a_refusal() -> dict[str, object]:
    call_command("seance_demo", replay=False, stdout=io.StringIO())
    held = Sitting.objects.get(assembly__slug="ingeville", state="closed")
    sent = list(held.transmissions.order_by("number"))
    assert sent and all(t.state == Transmission.State.ACKNOWLEDGED for t in sent)
    refused = sent[-1]
    Transmission.objects.filter(pk=refused.pk).update(
        state=Transmission.State.REFUSED, refusal=REASON, s2low_id="", act_id="",
        acknowledged_on=None,
    )  # fmt: skip
    return {"held": held.pk, "refused": refused.number, "acknowledged": sent[0].act_id}


@pytest.fixture
def demo(live_server_process):
    return off_loop(demo_with_a_refusal)


def test_the_clerk_sees_each_act_s_acknowledgement_and_sends_a_refused_one_again(
    demo, live_url, new_page
):
    page = new_page()
    page.goto(f"{live_url}/login/")
    page.fill("#id_username", "greffe")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_url}/clerk/sittings/{demo['held']}/")
    page.get_by_role("link", name="Préfecture").click()
    rows = page.get_by_test_id("transmission")
    expect(rows.first).to_contain_text("transmis en préfecture le")
    expect(rows.first).to_contain_text(str(demo["acknowledged"]))
    refused = page.locator(f"[data-testid=transmission][data-number='{demo['refused']}']")
    expect(refused.get_by_test_id("refusal")).to_have_text(f"Motif donné par S²LOW\u00a0: {REASON}")
    refused.get_by_role("button", name="Renvoyer").click()
    expect(page.get_by_text(f"L’acte {demo['refused']} est renvoyé.")).to_be_visible()
    expect(refused).to_have_attribute("data-state", "queued")
    expect(refused).to_contain_text("En attente d’envoi")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_prefecture_tab_and_the_archive_are_accessible(size, demo, live_url, browser):
    visits = [
        Visit("prefecture-tab", "greffe", f"/clerk/sittings/{demo['held']}/prefecture/"),
        Visit("prefecture-archive", None, f"/archive/sittings/{demo['held']}/"),
    ]
    failures = survey(browser, live_url, visits, size)
    assert not failures, "\n\n".join(failures)
