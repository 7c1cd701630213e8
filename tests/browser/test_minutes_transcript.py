"""The secretary drafts the summary of the debates from the replay's transcript, in real
Chromium: with the keyboard, takes up an item's transcript after the notes already written
(kept), edits it, saves; the saved text is the minutes'. An item nobody spoke on says so.
axe-core finds no violation at 1280 px and at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions import services as sittings
from sessions.minutes.draft import minutes_draft
from sessions.models import DebateSummary, Minutes
from streaming.models import Replay, Transcript, TranscriptSegment
from tests import factories as f

from .a11y import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits,
    english_left,
    english_phrases,
    typography_slips,
)
from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]
NBSP = "\u00a0"


def transcribed_sitting():
    """A held sitting of two items for information (no vote: the editor is the subject
    here), the secretary named, its replay transcribed: on the first item the chair, then a
    councillor in two segments; nobody on the second."""
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    people = list(a.members.order_by("id").select_related("user"))
    s = f.sitting(a, clerk=clerk, items=0, notes=False, days=-2)
    for title in ("Budget de la piscine", "Tarifs de la cantine"):
        sittings.item_add(sitting=s, user=clerk, title=title, kind="information")
    first, second = s.items.order_by("position")
    s.state = "convened"
    s.save()
    f.arrive(s, people[:4])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    for item in (first, second):
        sittings.item_take_up(sitting=s, item=item, user=None)
    sittings.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    replay = Replay.objects.create(
        sitting=s, state=Replay.State.READY, duration=120.0, sha256="cd" * 32
    )
    transcript = Transcript.objects.create(
        replay=replay, replay_sha256=replay.sha256, state=Transcript.State.READY, duration=120.0
    )
    chair, speaker = people[0], people[3]
    for start, end, member, text in [
        (4.0, 9.0, chair, "Nous passons au budget de la piscine."),
        (9.5, 15.0, speaker, "Le bassin doit être refait."),
        (15.0, 21.0, speaker, "Je voterai contre ce budget."),
    ]:
        TranscriptSegment.objects.create(
            transcript=transcript, start=start, end=end, text=text, member=member,
            speaker=member.full_name, role=member.capacity, item=first,
            item_title=f"1. {first.title}",
        )  # fmt: skip
    return s, people, first, second


def test_the_secretary_drafts_the_debates_from_the_transcript(live_url, new_page):
    s, people, first, second = off_loop(transcribed_sitting)
    secretary, chair, speaker = people[1], people[0], people[3]
    page = new_page()
    page.set_viewport_size(DESKTOP)
    login(page, live_url, secretary.user.username)
    page.goto(f"{live_url}/clerk/sittings/{s.pk}/minutes/")

    field = page.locator(f"#debate-{first.pk}")
    box = page.locator(f"[data-testid=debate-field][data-item='{first.pk}']")
    button = box.get_by_role("button", name="Reprendre la transcription")
    expect(button).to_be_visible()
    field.fill("Notes prises en séance.")
    page.keyboard.press("Tab")  # from the field, the next stop is its button
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    status = box.get_by_test_id("transcript-status")
    expect(status).to_contain_text("Ajoutée après votre texte, qui est conservé.")
    expect(status).to_contain_text("2 interventions transcrites, de 0:04 à 0:21.")
    said = (
        f"{chair.full_name} (maire){NBSP}: Nous passons au budget de la piscine.\n\n"
        f"{speaker.full_name} (conseiller municipal){NBSP}: "
        "Le bassin doit être refait. Je voterai contre ce budget."
    )
    expect(field).to_have_value("Notes prises en séance.\n\n" + said)
    listed = box.get_by_test_id("interventions").locator("li")
    hint = "(réécouter dans la rediffusion, nouvel onglet)"
    expect(listed).to_have_text(
        [
            f"0:04 {hint} — {chair.full_name} (maire)",
            f"0:09 {hint} — {speaker.full_name} (conseiller municipal)",
        ]
    )
    link = listed.nth(1).get_by_role("link")
    expect(link).to_have_attribute("href", f"/archive/sittings/{s.pk}/replay/#t=9.5")
    expect(link).to_have_attribute("target", "_blank")
    page.keyboard.press("Enter")  # a second time: not put in twice
    expect(status).to_contain_text("Cette transcription figure déjà dans la synthèse.")
    expect(field).to_have_value("Notes prises en séance.\n\n" + said)

    other = page.locator(f"[data-testid=debate-field][data-item='{second.pk}']")
    other.get_by_role("button", name="Reprendre la transcription").click()
    expect(other.get_by_test_id("transcript-status")).to_contain_text(
        "Personne n’a parlé sur ce point dans la rediffusion"
    )
    expect(page.locator(f"#debate-{second.pk}")).to_have_value("")
    # taken up, not saved: nothing is in the minutes until the secretary saves
    assert not off_loop(lambda: DebateSummary.objects.filter(item=first).exists())
    shoot(page, "minutes-transcript-taken")
    assert_accessible(page)
    assert typography_slips(page) == [] and english_left(page, english_phrases()) == []

    summary = (
        f"{chair.full_name} (maire) présente le budget de la piscine. "
        f"{speaker.full_name} (conseiller municipal) estime que le bassin doit être refait "
        "et votera contre."
    )
    field.fill(summary)  # the secretary summarises what was said
    page.get_by_role("button", name="Enregistrer les synthèses").click()
    expect(page.locator(".messages")).to_contain_text("Les synthèses des débats sont enregistrées.")
    expect(page.locator(f"#debate-{first.pk}")).to_have_value(summary)

    def written():
        record = Minutes.objects.get(sitting=s)
        return next(i["debate"] for i in minutes_draft(s, record)["items"] if i["id"] == first.pk)

    assert off_loop(written) == summary

    page.set_viewport_size(PHONE)
    page.locator(f"[data-testid=debate-field][data-item='{first.pk}']").get_by_role(
        "button", name="Reprendre la transcription"
    ).click()
    expect(page.locator(f"#debate-{first.pk}")).to_have_value(summary + "\n\n" + said)
    shoot(page, "minutes-transcript-phone")
    assert_fits(page)
    assert_accessible(page)
