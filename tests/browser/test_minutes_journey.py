"""The minutes in real browsers: the chair and the secretary sign, the clerk publishes,
a citizen downloads the PDF from the archive and its SHA-256 matches the one shown."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.sessions.minutes_cases import adopted_minutes

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_minutes_signed_published_downloaded_and_checked(live_url, new_page, tmp_path):
    s, people, clerk, _record = off_loop(adopted_minutes)
    minutes_url = f"{live_url}/clerk/sittings/{s.id}/minutes/"
    for signer in (people[0], people[1]):
        page = new_page()
        login(page, live_url, signer.user.username)
        page.goto(minutes_url)
        page.get_by_role("button", name="Signer le procès-verbal").click()
        expect(page.locator("[data-testid=signatures]")).to_contain_text(signer.full_name)
    expect(page.locator("[data-testid=minutes-state]")).to_have_attribute("data-state", "signed")

    desk = new_page()
    login(desk, live_url, clerk.username)
    desk.goto(minutes_url)
    desk.get_by_role("button", name="Publier le procès-verbal").click()
    expect(desk.locator(".messages")).to_contain_text("SHA-256")
    shoot(desk, "minutes-published")

    citizen = new_page()
    citizen.goto(f"{live_url}/archive/{s.assembly.slug}/")
    citizen.get_by_role("link", name=s.title).click()
    shown = citizen.locator("[data-testid=minutes-sha256]").inner_text().strip()
    shoot(citizen, "archive-sitting")
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name="Procès-verbal (PDF)").click()
    path = Path(download.value.path())
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == shown
    text = " ".join(page.extract_text() for page in PdfReader(path).pages).replace("\n", " ")
    assert "Procès-verbal de la séance" in text
    assert people[1].full_name in text and "Débat sur « Budget de la piscine »." in text
    assert "Secrétaire de séance" in text
    assert not citizen.context.cookies()
