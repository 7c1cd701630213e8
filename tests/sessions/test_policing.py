"""R24: the chair's policing, logged with its time and reason, in the attendance log, the
journal, the minutes and the public record; an expelled member is absent from then on."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from council.models import Assembly
from council.regime import regime_for
from sessions import services
from sessions.errors import AttendanceRefused, Conflict, InvalidInput, TransitionRefused
from sessions.live.snapshots import chair_snapshot, public_snapshot
from sessions.minutes.draft import minutes_draft
from sessions.minutes.pdf import render_minutes
from sessions.minutes.services import minutes_start
from sessions.models import AttendanceEvent, PolicingMeasure, SittingLog
from sessions.realtime import public_group
from sessions.record import sitting_record
from sessions.selectors import presence, quorum_for
from sessions.services.roll_call import attendance_all_present
from tests import factories as f
from voting import services as voting
from voting.errors import BallotRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    """Seven members, all present, the first item under discussion."""
    a = f.assembly(members=7, population=1_000)
    s = f.in_session(a)
    return a, s, list(a.members.order_by("id"))


def test_call_to_order_is_logged_with_time_and_reason_and_the_member_stays(
    council, events, django_capture_on_commit_callbacks
):
    a, s, m = council
    events.listen(public_group(s.id))
    with django_capture_on_commit_callbacks(execute=True):
        measure = services.member_call_to_order(
            sitting=s, member=m[4], reason="  Propos injurieux envers un collègue  ", user=None
        )
    assert (
        measure.kind == "call_to_order" and measure.reason == "Propos injurieux envers un collègue"
    )
    assert measure.item_id == s.current_item_id
    assert m[4].id in presence(s)  # a call to order is no departure
    entry = SittingLog.objects.get(sitting=s, kind="called_to_order")
    assert entry.data["member"] == m[4].id and entry.data["reason"] == measure.reason
    assert entry.at == measure.at
    sent = [e for e in events.drain() if e["type"] == "sittings.called_to_order"]
    assert sent and sent[0]["state"]["policing"][0]["name"] == m[4].full_name


def test_expulsion_is_a_departure_and_the_member_is_absent_for_quorum_votes_and_floor(council):
    a, s, m = council
    services.hand_raise(sitting=s, member=m[5])
    before = quorum_for(s, s.current_item).counted
    measure = services.member_expel(
        sitting=s, member=m[5], reason="Trouble grave : refus de cesser l'obstruction", user=None
    )
    departure = AttendanceEvent.objects.filter(sitting=s, member=m[5]).last()
    assert departure.kind == "departure" and measure.departure_id == departure.id
    assert measure.at == departure.at
    assert m[5].id not in presence(s)
    assert quorum_for(s, s.current_item).counted == before - 1
    assert not s.speaking_requests.filter(member=m[5], state="waiting").exists()
    with pytest.raises(Conflict) as err:
        services.hand_raise(sitting=s, member=m[5])
    assert err.value.code == "member_absent"
    vote = voting.vote_open(item=s.current_item, kind="electronic", user=None)
    assert m[5].id not in {v["member"] for v in vote.eligible}
    with pytest.raises(BallotRefused):
        voting.ballot_cast(vote=vote, voter=m[5], choice="for", client_id="expelled-0001")


def test_an_expelled_member_cannot_come_back_by_any_door(council):
    a, s, m = council
    services.member_expel(sitting=s, member=m[3], reason="Violences verbales", user=None)
    with pytest.raises(AttendanceRefused) as err:
        services.attendance_record(sitting=s, member=m[3], kind="arrival", user=None)
    assert err.value.code == "member_expelled"
    assert "expulsé" in err.value.message or "expelled" in err.value.message
    services.attendance_record(sitting=s, member=m[2], kind="departure", user=None)
    assert attendance_all_present(sitting=s, user=None) == {"recorded": 1}  # m[2] only
    assert m[3].id not in presence(s) and m[2].id in presence(s)
    services.media_connected(sitting=s, member=m[3], channel="visio.expelled")
    assert m[3].id not in presence(s)  # the video brings them back into no roll
    snap = chair_snapshot(s)
    row = next(x for x in snap["members"] if x["id"] == m[3].id)
    assert row["expelled"] is True and row["present"] is False


def test_the_proxy_an_expelled_member_gave_is_not_used():
    a = f.assembly(members=7, population=1_000)
    m = list(a.members.order_by("id"))
    s = f.in_session(a, proxies=[(m[6], m[5])])
    assert regime_for(a).expelled_proxy_usable is False
    services.attendance_record(sitting=s, member=m[4], kind="departure", user=None)
    services.member_expel(sitting=s, member=m[6], reason="Tumulte", user=None)
    assert public_snapshot(s)["attendance"]["represented"] == 0
    vote = voting.vote_open(item=s.current_item, kind="electronic", user=None)
    assert m[6].id not in {v["member"] for v in vote.eligible}


def test_refusals_of_the_policing(council):
    a, s, m = council
    chair = f.chair(a)
    with pytest.raises(InvalidInput) as err:
        services.member_call_to_order(sitting=s, member=m[3], reason="   ", user=None)
    assert err.value.code == "reason_missing"
    with pytest.raises(TransitionRefused) as err:
        services.member_expel(sitting=s, member=chair, reason="Auto-expulsion", user=None)
    assert err.value.code == "cannot_expel"
    services.attendance_record(sitting=s, member=m[6], kind="departure", user=None)
    with pytest.raises(AttendanceRefused) as err:
        services.member_expel(sitting=s, member=m[6], reason="Absent", user=None)
    assert err.value.code == "not_present"
    other = f.assembly(members=3)
    with pytest.raises(InvalidInput) as err:
        services.member_call_to_order(
            sitting=s, member=other.members.first(), reason="Intrus", user=None
        )
    assert err.value.code == "not_in_office"
    services.member_expel(sitting=s, member=m[3], reason="Trouble", user=None)
    with pytest.raises(AttendanceRefused) as err:  # no longer present: no second expulsion
        services.member_expel(sitting=s, member=m[3], reason="Encore", user=None)
    assert err.value.code == "not_present"
    services.sitting_suspend(sitting=s, user=None)
    with pytest.raises(TransitionRefused):
        services.member_call_to_order(
            sitting=s, member=m[2], reason="Pendant la suspension", user=None
        )
    assert PolicingMeasure.objects.filter(sitting=s).count() == 1


def test_the_minutes_and_the_record_say_it(council):
    a, s, m = council
    services.member_call_to_order(
        sitting=s, member=m[4], reason="Interruptions répétées", user=None
    )
    services.member_expel(sitting=s, member=m[4], reason="Refus d'obtempérer", user=None)
    services.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    content = minutes_draft(s)
    assert [p["kind"] for p in content["policing"]] == ["call_to_order", "expulsion"]
    assert content["policing"][1]["reason"] == "Refus d'obtempérer"
    assert content["policing"][1]["at"]  # HH:MM
    row = next(p for p in content["attendance"]["present"] if p["name"] == m[4].full_name)
    assert row["movements"][-1]["kind"] == "expulsion"
    record = sitting_record(s)
    assert [p.kind for p in record.policing] == ["call_to_order", "expulsion"]
    minutes = minutes_start(sitting=s, user=None)
    minutes.content = content
    reader = PdfReader(io.BytesIO(render_minutes(minutes)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Police de la séance" in text and "Refus d'obtempérer" in text


def test_an_epci_remote_room_member_may_be_expelled_too():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=6, population=270_000, remote_rooms=1)
    room = a.rooms.get(kind="remote")
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1, remote_rooms=[room])
    services.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    f.arrive(s, people[:4])
    f.arrive(s, people[4:], mode="remote_room", room=room)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.member_expel(sitting=s, member=people[5], reason="Trouble", user=None)
    with pytest.raises(AttendanceRefused) as err:
        services.attendance_record(
            sitting=s, member=people[5], kind="arrival", mode="remote_room", room=room, user=None
        )
    assert err.value.code == "member_expelled"
