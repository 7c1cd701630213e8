"""R34: the accessible page of each kind of published act (the minutes, the list of
deliberations, a deliberation, the convocation, whose agenda holds a hostile title), in
real Chromium at 1280 px and 390 px: axe-core finds no violation of any impact, the page
is no wider than the window, speaks French with its typography, and the archive's link
beside each PDF leads to it. The pages that hold those links are checked the same way."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.browser.page_survey import Visit, survey
from tests.sessions.accessible_acts_cases import hostile_convocation, published
from tests.sessions.minutes_cases import adopted_minutes

from .a11y import DESKTOP, PHONE
from .conftest import off_loop

pytestmark = [pytest.mark.browser]


def acts() -> dict[str, object]:
    with translation.override("fr"):
        s, people, clerk, record = adopted_minutes()
        publications = published(s, people, clerk, record)
        convocation = hostile_convocation()
    pages = [
        Visit(f"act-{name.replace(' ', '-')}", None, f"/archive/publications/{p.pk}/")
        for name, p in publications.items()
        if name != "deliberation 2"
    ]
    pages += [
        Visit("act-convocation", None, f"/sittings/{convocation.sitting_id}/convocation/"),
        Visit("acts-archive-sitting", None, f"/archive/sittings/{s.pk}/"),  # the links
        Visit("acts-public-sitting", None, f"/sittings/{s.pk}/"),
        Visit("acts-convened-sitting", None, f"/sittings/{convocation.sitting_id}/"),
    ]
    return {"held": s.pk, "pages": pages}


# The minutes print the secretary's summaries as written, word for word as in the PDF:
# tests/sessions/test_minutes.write_debates writes « » with ordinary spaces.
SECRETARYS_TEXT = {"act-minutes": {"typography"}}


@pytest.fixture
def published_acts(live_server_process):
    return off_loop(acts)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_act_pages_accessible_and_fit(size, published_acts, live_url, browser):
    failures = survey(browser, live_url, published_acts["pages"], size, waived=SECRETARYS_TEXT)
    assert not failures, "\n\n".join(failures)


def test_the_archive_leads_from_each_pdf_to_its_page(published_acts, live_url, new_page):
    page = new_page()
    page.goto(f"{live_url}/archive/sittings/{published_acts['held']}/")
    for testid in ("minutes-page", "list-page"):
        page.get_by_test_id(testid).click()
        assert page.locator("article[lang=fr] h1").count() == 1
        assert len(page.get_by_test_id("act-sha256").inner_text()) == 64
        page.go_back()
    page.get_by_test_id("deliberation-page").first.click()
    assert page.locator("article h1").inner_text().startswith("Délibération n°")
    assert page.get_by_test_id("act-pdf").get_attribute("href").endswith(".pdf")
