"""The replay page with its French captions in real Chromium: the captions track shows
the speakers' names, a keyboard-only toggle hides and shows it, a time in the transcript
seeks the video, the accessibility statement says whom to ask for an accessible version
(R34), and axe-core finds no violation at 1280 px nor at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from streaming.models import Transcript
from streaming.replay import build_replay
from tests.streaming.chamber_speech import closed_sitting, record_chamber

from .a11y import DESKTOP, PHONE, assert_accessible, assert_fits
from .conftest import off_loop, shoot

pytestmark = [pytest.mark.browser]


def test_replay_captions_by_keyboard_and_accessible(settings, tmp_path, live_url, new_page):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    (tmp_path / "speech").mkdir()
    part, spans = record_chamber(tmp_path / "speech")
    s, a_member, b_member, chair = off_loop(closed_sitting, part, spans)
    contact = "accessibilite@commune.example.fr"
    off_loop(type(s.assembly).objects.filter(pk=s.assembly_id).update, contact_email=contact)
    replay = off_loop(build_replay, s)  # transactional: the transcription runs (eager)
    assert off_loop(lambda: Transcript.objects.get(replay=replay).state) == "ready"

    page = new_page()
    page.goto(f"{live_url}/archive/sittings/{s.pk}/replay/")
    video = page.locator("#replay")
    page.wait_for_function(
        "() => { const t = [...document.getElementById('replay').textTracks]"
        ".find(t => t.kind === 'captions'); return t && t.cues && t.cues.length > 0; }"
    )
    cues = page.evaluate(
        "() => [...[...document.getElementById('replay').textTracks]"
        ".find(t => t.kind === 'captions').cues].map(c => c.text)"
    )
    assert any(f"<v {b_member.full_name}>" in cue for cue in cues), cues
    assert (
        page.evaluate(
            "() => [...document.getElementById('replay').textTracks]"
            ".find(t => t.kind === 'captions').mode"
        )
        == "showing"
    )

    toggle = page.get_by_role("button", name="Sous-titres")
    for _ in range(40):  # Tab through the page until the toggle has the focus
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "captions-toggle":
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    mode = (
        "() => [...document.getElementById('replay').textTracks]"
        ".find(t => t.kind === 'captions').mode"
    )
    assert page.evaluate(mode) == "hidden"
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(mode) == "showing"

    row = page.get_by_test_id("transcript-segment").filter(has_text="piscine").first
    start = float(row.get_attribute("data-start"))
    row.locator("a.seek").click()
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('replay').currentTime - {start}) < 1.5"
    )
    expect(row).to_have_attribute("aria-current", "true", timeout=15_000)
    assert b_member.full_name in row.inner_text()
    video.evaluate("v => v.pause()")
    shoot(page, "replay-captions")

    # R34: the accessibility statement, and whom to ask for an accessible version.
    statement = page.get_by_role("region", name="Accessibilité de cette rediffusion")
    expect(statement).to_contain_text("Sous-titres et transcription sont produits")
    expect(statement).to_contain_text("déclarée non conforme")
    expect(statement.get_by_role("link", name=contact)).to_have_attribute(
        "href", f"mailto:{contact}"
    )
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
        assert_fits(page)
