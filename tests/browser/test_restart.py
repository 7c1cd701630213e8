"""The server dies in the middle of a vote: no acknowledged ballot is lost, and every page
reconnects and resynchronises by itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f
from voting.models import Ballot

from .conftest import off_loop, start_daphne
from .test_live_sitting import login

pytestmark = [pytest.mark.browser]


def test_a_killed_server_loses_no_ballot_and_pages_come_back(
    live_server_process, live_url, new_page
):
    def prepare():
        a = f.assembly(members=5, population=1_000)
        return f.in_session(a), list(a.members.order_by("id").select_related("user"))

    s, people = off_loop(prepare)
    public = new_page()
    public.goto(f"{live_url}/sittings/{s.id}/")
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    seats = []
    for m in people[1:3]:
        page = new_page()
        login(page, live_url, m.user.username)
        page.goto(f"{live_url}/seat/sittings/{s.id}/")
        seats.append(page)
    chair.click("#vote-form button[type=submit]")
    first = seats[0].locator(f".ballot[data-voice='{people[1].id}']")
    first.locator("button[data-ballot='for']").click()
    expect(first.locator(".receipt")).to_be_visible()

    server = live_server_process[0]
    port = server.port.value
    server.kill()  # as a crash would: no clean shutdown
    server.join(10)
    for page in (public, chair, *seats):
        expect(page.locator("#live-connection")).to_have_text("Connexion perdue, reconnexion…")
    live_server_process.append(start_daphne(port))
    for page in (public, chair, *seats):
        expect(page.locator("#live-connection")).to_have_text("En direct", timeout=20_000)

    # The acknowledged ballot survived, and the seat knows it without reloading.
    expect(seats[0].locator(f".ballot[data-voice='{people[1].id}'] .receipt")).to_be_visible()
    second = seats[1].locator(f".ballot[data-voice='{people[2].id}']")
    second.locator("button[data-ballot='against']").click()
    expect(second.locator(".receipt")).to_be_visible()
    chair.locator("#live-vote button[data-action=vote_close]").click()
    expect(public.locator("#live-vote .result")).to_be_visible()
    expect(public.locator("#live-vote")).to_contain_text(people[1].full_name)
    ballots = off_loop(lambda: sorted(Ballot.objects.values_list("member_id", "choice")))
    assert ballots == [(people[1].id, "for"), (people[2].id, "against")]
