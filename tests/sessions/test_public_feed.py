"""The public page's live state through nginx's nchan (sessions/live/public_feed.py,
deploy/nginx/seance.conf): what the services commit reaches a citizen's EventSource on the
shipped nginx site, with the whole public state; a late viewer gets the latest state at
once; a closed session gives the public no event data (R25); a publish that fails never
breaks the service."""

from __future__ import annotations

import logging
import time

import pytest

from sessions import services
from sessions.live import public_feed
from tests import factories as f
from voting import services as voting

from .nchan import EventSource, FeedNginx, start_nginx

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def feed(tmp_path, settings):
    server = start_nginx(tmp_path, daphne_port=9)  # no page here: only the feed
    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = server.publish_url
    try:
        yield server
    finally:
        server.stop()


def subscribe(feed: FeedNginx, sitting_id: int) -> EventSource:
    source = EventSource(feed, f"/live/sittings/{sitting_id}/public/events")
    assert source.status == 200
    assert "content-type: text/event-stream" in source.headers
    return source


def current(frame: dict) -> str | None:
    item = frame["state"]["current_item"]
    return None if item is None else item["title"]


def test_an_item_change_and_a_vote_result_reach_a_citizen_through_nginx(feed) -> None:
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5, items=2)
    first, second = list(s.items.order_by("position"))
    citizen = subscribe(feed, s.id)
    # The latest state at once: the first item, taken up before the citizen came.
    assert current(citizen.frame_where(lambda fr: "state" in fr)) == first.title

    services.item_take_up(sitting=s, item=second, user=None)
    frame = citizen.frame_where(lambda fr: fr["type"] == "sittings.item_taken_up")
    assert current(frame) == second.title
    assert frame["state"]["sitting"]["id"] == s.id
    assert frame["data"]  # the event's own data, outside a closed session
    assert {"members", "proxies", "queue"}.isdisjoint(frame["state"])  # the public's only

    vote = voting.vote_open(item=second, kind="hands", user=None)
    opened = citizen.frame_where(lambda fr: fr["type"] == "voting.vote_opened")
    assert opened["state"]["vote"]["id"] == vote.id
    voting.vote_close(vote=vote, user=None, counts={"for": 4, "against": 1})
    closed = citizen.frame_where(lambda fr: fr["type"] == "voting.vote_closed")
    assert closed["patch"]["vote"]["state"] == "closed"  # the change at once
    assert closed["patch"]["vote"]["result"]  # the result, as the public page shows it
    whole = citizen.frame_where(lambda fr: fr["type"] == "sittings.snapshot")
    assert whole["state"]["vote"] == closed["patch"]["vote"]  # then the whole state
    assert {"members", "proxies", "queue"}.isdisjoint(whole["state"])
    citizen.close()


def test_a_late_citizen_gets_the_latest_state_at_once(feed) -> None:
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5, items=3)
    items = list(s.items.order_by("position"))
    for item in items[1:]:
        services.item_take_up(sitting=s, item=item, user=None)
    began = time.monotonic()
    late = subscribe(feed, s.id)
    frames = late.frames(1.0)
    states = [fr for fr in frames if "state" in fr]
    assert len(states) == 1, [fr["type"] for fr in frames]  # the newest only, not the history
    assert current(states[0]) == items[2].title
    assert states[0]["type"] == "sittings.item_taken_up"
    assert time.monotonic() - began < 5
    late.close()


def test_a_closed_session_gives_the_public_no_event_data(feed) -> None:
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5, items=2)
    members = list(a.members.order_by("id"))
    citizen = subscribe(feed, s.id)
    citizen.frame_where(lambda fr: "state" in fr)
    assert f.closed_session(s, [members[0]], votes_for=5)
    entered = citizen.frame_where(lambda fr: fr["type"] == "sittings.closed_session_entered")
    assert entered["data"] == {} and entered["state"]["sitting"]["in_closed_session"]
    # In closed session: a vote and its ballots, an arrival; the public hears no data.
    vote = voting.vote_open(item=s.items.order_by("position").first(), kind="electronic", user=None)
    voting.ballot_cast(vote=vote, voter=members[1], choice="for", client_id="ballot-0001")
    services.attendance_record(sitting=s, member=members[2], kind="departure", user=None)
    frames = citizen.frames(2.0)
    assert frames, "the closed session's events still say that something changed"
    for frame in frames:
        assert frame.get("data", {}) == {}, frame
        assert frame["type"] != "voting.ballot_cast"
        assert frame["state"]["vote"] is None and frame["state"]["current_item"] is None
        assert frame["state"]["speaker"] is None and frame["state"]["policing"] == []
    late = subscribe(feed, s.id)
    for frame in late.frames(1.0):
        assert frame.get("data", {}) == {} and frame["state"]["vote"] is None
    citizen.close()
    late.close()


def test_a_public_ballot_count_reaches_the_count_channel(feed) -> None:
    a = f.assembly(members=5, population=1_000)
    s = f.in_session(a, present=5, items=1)
    members = list(a.members.order_by("id"))
    vote = voting.vote_open(item=s.items.get(), kind="electronic", user=None)
    citizen = subscribe(feed, s.id)
    voting.ballot_cast(vote=vote, voter=members[1], choice="for", client_id="ballot-0001")
    count = citizen.frame_where(lambda fr: fr["type"] == "voting.ballot_cast")
    assert count["data"]["vote"] == vote.id and count["data"]["cast"] == 1
    late = subscribe(feed, s.id)  # the latest state and the latest count, at once
    types = {fr["type"] for fr in late.frames(1.0)}
    assert {"voting.vote_opened", "voting.ballot_cast"} <= types
    citizen.close()
    late.close()


def test_a_failed_publish_is_logged_and_the_service_goes_on(settings, caplog) -> None:
    from streaming.ports import free_port

    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = f"http://127.0.0.1:{free_port()}/_nchan/pub/"
    a = f.assembly(members=5, population=1_000)
    with caplog.at_level(logging.WARNING, logger="sessions.live.public_feed"):
        s = f.in_session(a, present=5, items=2)
        began = time.monotonic()
        services.item_take_up(sitting=s, item=s.items.order_by("position").last(), user=None)
        took = time.monotonic() - began
        public_feed.flush()
    s.refresh_from_db()
    assert s.current_item == s.items.order_by("position").last()
    assert "publish to" in caplog.text and str(s.id) in caplog.text
    assert took < public_feed.PUBLISH_TIMEOUT  # the commit path never waits on nginx


def test_off_by_default_the_page_keeps_its_websocket(settings, client) -> None:
    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = ""
    s = f.in_session(f.assembly(members=5, population=1_000), present=5)
    assert public_feed.subscribe_url(s.id) == ""
    page = client.get(f"/sittings/{s.id}/")
    assert b'"events": ""' in page.content
    settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = "http://127.0.0.1:9/_nchan/pub/"
    page = client.get(f"/sittings/{s.id}/")
    assert f'"events": "/live/sittings/{s.id}/public/events"'.encode() in page.content
