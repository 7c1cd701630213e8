"""A vote in real browsers: the chair opens it, five councillors vote (one also for a
grantor), the public page shows the result live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f
from voting.models import Ballot

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_five_councillors_vote_and_the_public_sees_the_result(live_url, new_page):
    def prepare():
        a = f.assembly(members=7, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        return f.in_session(a, present=6, proxies=[(people[6], people[5])]), people

    s, people = off_loop(prepare)
    public = new_page()
    public.goto(f"{live_url}/sittings/{s.id}/")
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    seats = {}
    for m in people[1:6]:
        page = new_page()
        login(page, live_url, m.user.username)
        page.goto(f"{live_url}/seat/sittings/{s.id}/")
        seats[m.id] = page

    chair.select_option("#vote-kind", "electronic")
    chair.click("#vote-form button[type=submit]")
    expect(public.locator("#live-vote")).to_be_visible()
    expect(public.locator("#vote-count")).to_contain_text("0")
    choices = {1: "for", 2: "for", 3: "against", 4: "abstain", 5: "for"}
    for index, choice in choices.items():
        page = seats[people[index].id]
        own = page.locator(f".ballot[data-voice='{people[index].id}']")
        own.locator(f"button[data-ballot='{choice}']").click()
        expect(own.locator(".receipt")).to_be_visible()
    holder = seats[people[5].id]
    proxy = holder.locator(f".ballot[data-voice='{people[6].id}']")
    proxy.locator("button[data-ballot='against']").click()
    expect(proxy.locator(".receipt")).to_be_visible()
    shoot(holder, "seat-vote-with-proxy")
    expect(chair.locator("#vote-count")).to_contain_text("6")
    # Reloading a seat keeps its receipts: the server resynchronises it.
    holder.reload()
    expect(holder.locator(f".ballot[data-voice='{people[6].id}'] .receipt")).to_be_visible()

    chair.once("dialog", lambda dialog: dialog.accept())  # one voice has not voted
    chair.locator("#live-vote button[data-action=vote_close]").click()
    expect(public.locator("#live-vote .result")).to_have_class("result adopted")
    expect(public.locator("#live-vote")).to_contain_text(people[3].full_name)  # public vote: names
    shoot(public, "public-vote-result")
    shoot(chair, "chair-vote-result")
    ballots = off_loop(lambda: sorted(Ballot.objects.values_list("member_id", "choice")))
    assert len(ballots) == 6
    assert dict(ballots)[people[6].id] == "against"
