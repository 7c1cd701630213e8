"""R27: an item postponed by a secret-ballot request in a sitting held by teleconference
stays postponed, is carried to the next sitting held in one place, and the minutes say
why; the minutes never require a vote on an item that lawfully could not be voted."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from council.models import Assembly
from sessions import services
from sessions.errors import TransitionRefused
from sessions.minutes.draft import minutes_draft, missing_fields
from sessions.minutes.pdf import render_minutes
from sessions.minutes.services import (
    MinutesIncomplete,
    debate_summary_save,
    minutes_finalise,
    minutes_start,
)
from sessions.models import AgendaItem, Sitting, SittingLog
from tests import factories as f
from voting import services as voting

pytestmark = pytest.mark.django_db


def _epci():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=6, population=270_000, remote_rooms=1)
    return a, a.rooms.get(kind="remote"), list(a.members.order_by("id")), f.staff(a)


def _held_by_teleconference(a, room, people, clerk, *, items: int = 2) -> Sitting:
    s = f.sitting(a, clerk=clerk, items=items, remote_rooms=[room])
    services.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:3])
    f.arrive(s, people[3:], mode="remote_room", room=room)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    s.refresh_from_db()
    return s


def _postpone_first(s: Sitting, people) -> AgendaItem:
    first = s.items.order_by("position").first()
    services.item_take_up(sitting=s, item=first, user=None)
    assert voting.secret_request_record(item=first, requested_by=people[:2], user=None) is True
    return first


def test_moving_on_or_closing_does_not_mark_the_postponed_item_done():
    a, room, people, clerk = _epci()
    s = _held_by_teleconference(a, room, people, clerk)
    first = _postpone_first(s, people)
    second = s.items.get(position=2)
    services.item_take_up(sitting=s, item=second, user=None)
    first.refresh_from_db()
    assert first.state == "postponed"
    with pytest.raises(TransitionRefused) as err:
        services.item_take_up(sitting=s, item=first, user=None)
    assert err.value.code == "item_postponed"
    # postponed while under discussion, then the sitting closes on it
    s2 = _held_by_teleconference(a, room, people, clerk)
    item = _postpone_first(s2, people)
    services.sitting_close(sitting=s2, user=None)
    item.refresh_from_db()
    assert item.state == "postponed"
    assert not s2.deliberations.filter(item=item).exists()


def test_carried_at_the_close_to_the_next_sitting_held_in_one_place():
    a, room, people, clerk = _epci()
    s = _held_by_teleconference(a, room, people, clerk)
    tele_next = f.sitting(a, clerk=clerk, items=1, days=20, remote_rooms=[room])
    one_place = f.sitting(a, clerk=clerk, items=1, days=30)
    first = _postpone_first(s, people)
    services.sitting_close(sitting=s, user=None)
    assert not tele_next.items.filter(carried_from=first).exists()
    carried = one_place.items.get(carried_from=first)
    assert carried.carried_because == "secret_teleconference"
    assert carried.title == first.title and carried.position == 2
    assert carried.documents.count() == first.documents.count() == 1
    entry = SittingLog.objects.get(sitting=one_place, kind="item_carried")
    assert entry.data == {"item": carried.id, "carried_from": first.id, "rule": "R27"}
    # it stays there: not removed, and the sitting may not become a teleconference
    with pytest.raises(TransitionRefused) as err:
        services.item_remove(item=carried, user=clerk)
    assert err.value.code == "carried_item_stays"
    with pytest.raises(TransitionRefused) as err:
        services.sitting_update(
            sitting=one_place,
            user=clerk,
            title=one_place.title,
            starts_at=one_place.starts_at,
            remote_rooms=[room],
        )
    assert err.value.code == "carried_needs_one_place"
    # carried once only
    services.sitting_update(
        sitting=one_place, user=clerk, title="Conseil renommé", starts_at=one_place.starts_at
    )
    assert one_place.items.filter(carried_from=first).count() == 1


def test_carried_when_the_next_sitting_in_one_place_is_created_later():
    a, room, people, clerk = _epci()
    s = _held_by_teleconference(a, room, people, clerk)
    first = _postpone_first(s, people)
    services.sitting_close(sitting=s, user=None)
    assert not AgendaItem.objects.filter(carried_from=first).exists()  # nowhere to go yet
    tele = f.sitting(a, clerk=clerk, items=0, days=20, remote_rooms=[room])
    assert not tele.items.exists()
    later = f.sitting(a, clerk=clerk, items=0, days=25)
    assert [i.carried_from_id for i in later.items.all()] == [first.id]
    # the teleconference sitting made one-place by its edit receives nothing more
    services.sitting_update(sitting=tele, user=clerk, title=tele.title, starts_at=tele.starts_at)
    assert not tele.items.exists()


def test_the_clerk_is_told_on_the_sitting_page(client):
    a, room, people, clerk = _epci()
    s = _held_by_teleconference(a, room, people, clerk)
    first = _postpone_first(s, people)
    services.sitting_close(sitting=s, user=None)
    later = f.sitting(a, clerk=clerk, items=0, days=25)
    client.force_login(clerk)
    page = client.get(f"/clerk/sittings/{later.id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="carried-r27"' in text
    assert s.title in text and "visioconférence" in text
    assert first.title in text


def test_the_minutes_say_postponed_and_why_and_ask_no_vote_for_it():
    a, room, people, clerk = _epci()
    s = _held_by_teleconference(a, room, people, clerk)
    later = f.sitting(a, clerk=clerk, items=0, days=25)
    first = _postpone_first(s, people)
    second = s.items.get(position=2)
    services.item_take_up(sitting=s, item=second, user=None)
    vote = voting.vote_open(item=second, kind="electronic", user=None)
    voting.vote_close(vote=vote, user=None, confirm=True)
    services.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    minutes = minutes_start(sitting=s, user=None)
    debate_summary_save(minutes=minutes, item=second, text="Débat bref.", user=None)
    content = minutes_draft(s, minutes)
    row = next(i for i in content["items"] if i["id"] == first.id)
    assert row["state"] == "postponed"
    assert "R27" in row["postponed_reason"] and "secret" in row["postponed_reason"]
    assert later.title in row["carried_to"]
    assert missing_fields(content) == []
    minutes = minutes_finalise(minutes=minutes, user=None)
    reader = PdfReader(io.BytesIO(render_minutes(minutes)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Point reporté" in text and "visioconférence" in text


def test_no_vote_is_required_for_an_item_that_could_not_be_voted_by_teleconference():
    a, room, people, clerk = _epci()
    s = f.sitting(a, clerk=clerk, items=0, remote_rooms=[room])
    budget = services.item_add(sitting=s, user=clerk, title="Budget primitif 2027", kind="budget")
    motion = services.item_add(sitting=s, user=clerk, title="Tarifs piscine")
    for i in (budget, motion):
        services.document_attach(
            item=i, user=clerk, kind="synthesis", title="Note", upload=f.pdf_upload()
        )
    services.convocation_send(sitting=s, user=clerk)
    f.arrive(s, people[:3])
    f.arrive(s, people[3:], mode="remote_room", room=room)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.item_take_up(sitting=s, item=budget, user=None)
    services.item_take_up(sitting=s, item=motion, user=None)  # the budget: done, not voted
    services.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    minutes = minutes_start(sitting=s, user=None)
    for item in (budget, motion):
        debate_summary_save(minutes=minutes, item=item, text="Débat.", user=None)
    content = minutes_draft(s, minutes)
    budget_row = next(i for i in content["items"] if i["id"] == budget.id)
    assert "R27" in budget_row["not_voted"]
    missing = missing_fields(content)
    # the budget lawfully could not be voted; the motion could, and was not
    assert len(missing) == 1 and "Tarifs piscine" in missing[0]
    with pytest.raises(MinutesIncomplete):
        minutes_finalise(minutes=minutes, user=None)


def test_a_one_place_sitting_still_requires_the_vote_on_a_budget():
    a, room, people, clerk = _epci()
    s = f.in_session(a, notes=True)
    budget = s.items.first()
    AgendaItem.objects.filter(pk=budget.pk).update(kind="budget")
    services.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    minutes = minutes_start(sitting=s, user=None)
    debate_summary_save(minutes=minutes, item=budget, text="Débat.", user=None)
    content = minutes_draft(s, minutes)
    assert content["items"][0]["not_voted"] == ""
    assert len(missing_fields(content)) == 1
