"""The seat's vote in Chromium: no choice looks chosen before voting, the seat then says
which choice it recorded, the councillor's second device follows at once (no buttons
left), a grantor's ballot cast by the holder shows apart; a secret ballot's choice is
shown only by the device that cast it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f
from voting.models import Ballot, SecretParticipation

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def seat_page(new_page, live_url, sitting, member, viewport=DESKTOP):
    page = new_page()
    page.set_viewport_size(viewport)
    login(page, live_url, member.user.username)
    page.goto(f"{live_url}/seat/sittings/{sitting.id}/")
    expect(page.locator("#live-connection")).to_have_text("En direct")
    return page


def looks(button) -> dict[str, str]:
    return button.evaluate(
        "(b) => { const s = getComputedStyle(b);"
        " return {bg: s.backgroundColor, color: s.color, border: s.borderColor}; }"
    )


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


def _sitting(kind_secret: bool = False):
    a = f.assembly(members=9, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    # people[8] gave a proxy to people[5] and is absent.
    s = f.in_session(a, present=8, proxies=[(people[8], people[5])])
    return s, people


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_seat_says_what_it_recorded_and_every_device_follows(live_url, new_page, viewport):
    s, people = off_loop(_sitting)
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    voter, holder = people[2], people[5]
    phone = seat_page(new_page, live_url, s, voter, viewport)
    tablet = seat_page(new_page, live_url, s, voter, viewport)  # the same councillor's other device
    holder_seat = seat_page(new_page, live_url, s, holder, viewport)

    chair.select_option("#vote-kind", "electronic")
    chair.click("#vote-form button[type=submit]")
    own = phone.locator(f".ballot[data-voice='{voter.id}']")
    expect(own.locator("button[data-ballot]")).to_have_count(3)
    # Before anyone votes, no choice looks chosen: the three look alike.
    styles = [looks(b) for b in own.locator("button[data-ballot]").all()]
    assert styles[0] == styles[1] == styles[2], styles
    shoot(phone, f"seat-vote-before-{viewport['width']}")
    no_horizontal_scroll(phone)

    own.locator("button[data-ballot='against']").click()
    expect(own.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Contre")
    expect(own.locator("button[data-ballot]")).to_have_count(0)
    expect(phone.locator("#outcome-vote")).to_have_text("Vote enregistré\u00a0: Contre")
    # The other device drops its buttons at once, without a reload, and does not claim a choice.
    other = tablet.locator(f".ballot[data-voice='{voter.id}']")
    expect(other.locator(".receipt")).to_have_text("Vous avez voté (sur un autre appareil).")
    expect(other.locator("button[data-ballot]")).to_have_count(0)
    shoot(phone, f"seat-vote-recorded-{viewport['width']}")

    # The holder votes in their own name and in the grantor's: two receipts, apart.
    mine = holder_seat.locator(f".ballot[data-voice='{holder.id}']")
    theirs = holder_seat.locator(f".ballot[data-voice='{people[8].id}']")
    expect(theirs.locator("h3")).to_contain_text(people[8].full_name)
    mine.locator("button[data-ballot='for']").click()
    expect(mine.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Pour")
    expect(theirs.locator("button[data-ballot]")).to_have_count(3)  # still to cast
    theirs.locator("button[data-ballot='abstain']").click()
    expect(theirs.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Abstention")
    expect(mine.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Pour")
    no_horizontal_scroll(holder_seat)
    shoot(holder_seat, f"seat-vote-with-proxy-{viewport['width']}")

    # A reload of the device that voted keeps its own memory of the choice.
    phone.reload()
    expect(phone.locator(f".ballot[data-voice='{voter.id}'] .receipt")).to_have_text(
        "Vote enregistré\u00a0: Contre"
    )
    # A device opened afterwards learns from the snapshot that the name has voted.
    late = seat_page(new_page, live_url, s, voter, viewport)
    expect(late.locator(f".ballot[data-voice='{voter.id}'] .receipt")).to_have_text(
        "Vous avez voté (sur un autre appareil)."
    )
    ballots = off_loop(
        lambda: sorted(Ballot.objects.filter(vote__sitting=s).values_list("member_id", "choice"))
    )
    assert ballots == sorted([(voter.id, "against"), (holder.id, "for"), (people[8].id, "abstain")])


def test_a_secret_ballot_shows_the_choice_only_where_it_was_cast(live_url, new_page):
    s, people = off_loop(_sitting)
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    voter = people[3]
    phone = seat_page(new_page, live_url, s, voter, PHONE)
    desktop = seat_page(new_page, live_url, s, voter)

    chair.select_option("#vote-kind", "secret")
    chair.select_option("#vote-requesters", [str(m.id) for m in people[1:4]])
    chair.click("#vote-form button[type=submit]")
    own = phone.locator(f".ballot[data-voice='{voter.id}']")
    expect(own.locator("button[data-ballot]")).to_have_count(4)  # with "blank"
    styles = [looks(b) for b in own.locator("button[data-ballot]").all()]
    assert all(style == styles[0] for style in styles), styles
    own.locator("button[data-ballot='for']").click()
    expect(own.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Pour")
    other = desktop.locator(f".ballot[data-voice='{voter.id}']")
    expect(other.locator(".receipt")).to_have_text("Vous avez voté (sur un autre appareil).")
    expect(other).not_to_contain_text("Pour")
    no_horizontal_scroll(phone)
    shoot(phone, "seat-secret-ballot-390")
    # The server keeps who voted apart from what was voted: no choice beside the name.
    fields = {f.name for f in SecretParticipation._meta.get_fields()}
    assert "choice" not in fields
    assert off_loop(lambda: SecretParticipation.objects.filter(member=voter).count()) == 1


def test_the_seat_votes_with_the_keyboard_alone(live_url, new_page):
    s, people = off_loop(_sitting)
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    voter = people[4]
    seat = seat_page(new_page, live_url, s, voter)
    chair.click("#vote-form button[type=submit]")
    own = seat.locator(f".ballot[data-voice='{voter.id}']")
    expect(own.locator("button[data-ballot]")).to_have_count(3)
    own.locator("button[data-ballot='for']").focus()
    seat.keyboard.press("Tab")
    assert seat.evaluate("() => document.activeElement.dataset.ballot") == "against"
    seat.keyboard.press("Enter")
    expect(own.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Contre")
