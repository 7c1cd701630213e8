"""A vote's close reaches the pages as its change first (the vote and its count), the
whole snapshot following: the seat, the chair's desk and the room's screen show the result
from the change alone, with every snapshot after the first withheld from them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.services.screens import screen_issue
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import act, desk, login

pytestmark = [pytest.mark.browser]


def _sitting():
    a = f.assembly(members=7, population=1_000)
    clerk = f.staff(a)
    s = f.in_session(a, present=7)
    item = s.items.order_by("position").first()  # taken up
    _screen, token = screen_issue(assembly=a, label="Salle du conseil", user=clerk)
    return s, list(a.members.order_by("id").select_related("user")), item, token


def withhold_snapshots(page) -> dict[str, int]:
    """Every "sittings.snapshot" frame after the first on `page`'s sockets is dropped:
    what the page shows after that comes from the events' own frames."""
    dropped = {"snapshots": 0}

    def route(ws):
        server = ws.connect_to_server()
        seen = {"snapshots": 0}

        def from_server(message):
            if isinstance(message, str) and message.startswith('{"type": "sittings.snapshot"'):
                seen["snapshots"] += 1
                if seen["snapshots"] > 1:
                    dropped["snapshots"] += 1
                    return
            ws.send(message)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r"/ws/sittings/"), route)
    return dropped


def _last_vote_id(sitting):
    return sitting.votes.order_by("-id").values_list("id", flat=True)[0]


def test_the_result_shows_from_the_close_alone(live_url, new_page):
    s, people, item, token = off_loop(_sitting)
    chair = desk(new_page, live_url, s, people[0].user)
    chair_dropped = withhold_snapshots(chair)
    chair.reload()
    expect(chair.locator("#live-connection")).to_have_text("En direct")
    seat = new_page()
    seat_dropped = withhold_snapshots(seat)
    login(seat, live_url, people[3].user.username)
    seat.goto(f"{live_url}/seat/sittings/{s.id}/")
    expect(seat.locator("#live-connection")).to_have_text("En direct")
    screen = new_page()
    screen.set_viewport_size({"width": 1920, "height": 1080})
    screen_dropped = withhold_snapshots(screen)
    screen.goto(f"{live_url}/screen/{token}/")
    expect(screen.locator("body[data-connected=true]")).to_have_count(1)

    act(chair, s, "chair", action="vote_open", item=item.pk, kind="hands")
    expect(seat.locator("#live-vote h2")).to_contain_text("Vote ouvert")
    expect(screen.locator("#scr-vote")).to_contain_text("Vote en cours")
    vote = off_loop(_last_vote_id, s)
    counts = {"for": 5, "against": 1, "abstain": 1}
    act(chair, s, "chair", action="vote_close", vote=vote, counts=counts, confirm=True)

    for page in (seat, chair):
        expect(page.locator("#live-vote .result")).to_have_class("result adopted")
        expect(page.locator("#live-vote h2")).to_contain_text("Vote clos")
    expect(screen.locator("#scr-vote .scr-result")).to_have_text("Adopté")
    shoot(seat, "close-as-a-change-seat")
    # The snapshots that followed the close were withheld: the change alone did it.
    assert chair_dropped["snapshots"] >= 1
    assert seat_dropped["snapshots"] >= 1 and screen_dropped["snapshots"] >= 1
