"""R16 on the chair's desk in Chromium: a tied show of hands is refused in place until the
chair enters their own hand, which then decides, and the result says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.models import AgendaItem
from tests import factories as f
from voting.models import Vote

from .conftest import off_loop
from .pages import desk

pytestmark = [pytest.mark.browser]


def test_a_tie_asks_for_the_chairs_hand_which_decides(live_url, new_page):
    def prepare():
        a = f.assembly(members=7, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        s = f.in_session(a, present=6)
        AgendaItem.objects.filter(sitting=s).update(matter="7.5")  # ACTES: subsidies
        return s, people

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    chair.select_option("#vote-kind", "hands")
    chair.click("#vote-form button[type=submit]")
    chair.fill("#count-for", "3")
    chair.fill("#count-against", "3")
    chair.click("#close-with-counts")
    expect(chair.locator("#outcome-vote")).to_contain_text(
        "Partage des voix, 3 pour et 3 contre\u00a0: indiquez le vote du président"
    )
    expect(chair.locator("#count-chair")).to_be_focused()
    assert chair.input_value("#count-for") == "3"  # nothing typed is lost
    chair.select_option("#count-chair", "for")
    chair.click("#close-with-counts")
    expect(chair.locator("#live-vote .result")).to_have_text(
        "Adopté (voix prépondérante du président)"
    )
    vote = off_loop(lambda: Vote.objects.get(sitting=s))
    assert vote.result["chair_vote"] == "for" and vote.result["casting_vote"] is True
