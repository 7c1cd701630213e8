"""The sitting's state machine (R7, R11, R23, R25) and the events each step emits."""

import pytest

from sessions import services
from sessions.errors import AttendanceRefused, Conflict, TransitionRefused
from sessions.models import AgendaItem, SittingLog
from sessions.realtime import desk_group, private_group, public_group
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    a = f.assembly(members=7, population=1_000)
    return a, list(a.members.order_by("id"))


def test_no_opening_without_a_secretary(council):
    a, m = council
    s = f.convened(a, notes=False)
    f.arrive(s, m)
    with pytest.raises(TransitionRefused) as err:
        services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    assert err.value.code == "secretary_missing"
    services.secretary_name(sitting=s, member=m[2], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    s.refresh_from_db()
    assert s.state == "open" and s.opened_at is not None


def test_state_machine_refuses_what_it_must(council):
    a, m = council
    draft = f.sitting(a, notes=False)
    with pytest.raises(TransitionRefused):
        services.sitting_open(sitting=draft, user=None, open_anyway=True, reason="essai")
    s = f.opened(a, notes=False)
    with pytest.raises(TransitionRefused):
        services.sitting_resume(sitting=s, user=None)
    services.sitting_suspend(sitting=s, user=None)
    with pytest.raises(TransitionRefused):
        services.item_take_up(sitting=s, item=s.items.first(), user=None)
    with pytest.raises(TransitionRefused):
        services.sitting_close(sitting=s, user=None)
    services.sitting_resume(sitting=s, user=None)
    services.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    assert s.state == "closed" and s.outcome == "held"
    with pytest.raises(TransitionRefused):
        services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    with pytest.raises(TransitionRefused):
        services.item_add(sitting=s, user=None, title="Trop tard")


def test_agenda_is_fixed_once_convened(council):
    a, m = council
    s = f.convened(a, notes=False)
    with pytest.raises(TransitionRefused):
        services.item_add(sitting=s, user=None, title="Point ajouté")
    assert s.items.count() == 3


def test_each_item_taken_up_records_its_quorum(council, events):
    a, m = council
    s = f.opened(a, present=4, notes=False)
    first, second, _third = s.items.all()
    services.item_take_up(sitting=s, item=first, user=None)
    services.attendance_record(sitting=s, member=m[0], kind="departure", user=None)
    services.item_take_up(sitting=s, item=second, user=None)
    logs = SittingLog.objects.filter(sitting=s, kind="item_taken_up").order_by("id")
    assert [entry.data["quorum"]["reached"] for entry in logs] == [True, False]
    first.refresh_from_db()
    assert first.state == AgendaItem.State.DONE


def test_urgency_vote_comes_first_and_rejection_postpones(council):
    a, m = council
    s = f.opened(a, notes=False, days=3, urgency=True, urgency_reason="Intempéries")
    with pytest.raises(TransitionRefused) as err:
        services.item_take_up(sitting=s, item=s.items.first(), user=None)
    assert err.value.code == "urgency_undecided"
    services.urgency_decide(sitting=s, accepted=False, user=None)
    assert set(s.items.values_list("state", flat=True)) == {"postponed"}
    with pytest.raises(TransitionRefused):
        services.item_take_up(sitting=s, item=s.items.first(), user=None)


def test_attendance_log_is_append_only_and_consistent(council):
    a, m = council
    s = f.convened(a, notes=False)
    event = services.attendance_record(sitting=s, member=m[1], kind="arrival", user=None)
    with pytest.raises(AttendanceRefused):
        services.attendance_record(sitting=s, member=m[1], kind="arrival", user=None)
    with pytest.raises(AttendanceRefused):
        services.attendance_record(sitting=s, member=m[2], kind="departure", user=None)
    with pytest.raises(AttendanceRefused):  # a commune has no remote room
        services.attendance_record(
            sitting=s, member=m[2], kind="arrival", mode="remote_room", user=None
        )
    with pytest.raises(ValueError):
        event.delete()
    event.kind = "departure"
    with pytest.raises(ValueError):
        event.save()


def test_speaking_queue_order_and_time(council):
    a, m = council
    s = f.opened(a, notes=False)
    r1 = services.hand_raise(sitting=s, member=m[3])
    r2 = services.hand_raise(sitting=s, member=m[4])
    with pytest.raises(Conflict):
        services.hand_raise(sitting=s, member=m[3])
    services.floor_give(sitting=s, request_id=r2.id, user=None)
    services.floor_give(sitting=s, request_id=r1.id, user=None)
    r2.refresh_from_db()
    assert r2.state == "done" and r2.seconds_spoken is not None
    done = services.floor_end(sitting=s, user=None)
    assert done.member == m[3] and done.seconds_spoken >= 0
    services.hand_raise(sitting=s, member=m[3])  # may ask again after speaking


def test_events_carry_snapshots_for_each_audience(
    council, events, django_capture_on_commit_callbacks
):
    a, m = council
    s = f.convened(a, notes=False)
    events.listen(desk_group(s.id))
    from tests.conftest import EventTap

    public, seats = EventTap(), EventTap()
    public.listen(public_group(s.id))
    seats.listen(private_group(s.id))
    with django_capture_on_commit_callbacks(execute=True):
        services.attendance_record(sitting=s, member=m[1], kind="arrival", user=None)
    [private_event] = events.drain()
    [public_event] = public.drain()
    assert private_event["type"] == public_event["type"] == "sittings.attendance_changed"
    assert private_event["data"] == {"member": m[1].id, "kind": "arrival", "mode": "chamber"}
    roll = {x["id"]: x["present"] for x in private_event["state"]["members"]}
    assert roll[m[1].id] is True and roll[m[2].id] is False
    assert "members" not in public_event["state"]
    assert public_event["state"]["attendance"]["present"] == 1
    [seat_event] = seats.drain()
    assert "members" not in seat_event["state"] and seat_event["state"]["queue"] == []
    assert seat_event["state"]["quorum"]["present"] == 1

    for mm in m:
        if mm != m[1]:
            services.attendance_record(sitting=s, member=mm, kind="arrival", user=None)
    services.secretary_name(sitting=s, member=m[2], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    events.drain()
    public.drain()
    with django_capture_on_commit_callbacks(execute=True):
        assert f.closed_session(s, [m[0]], votes_for=5)
        item = s.items.first()
        services.item_take_up(sitting=s, item=item, user=None)
    types = [e["type"] for e in events.drain()]
    assert types == [
        "voting.vote_opened",  # R25: the council's own vote, seen by everyone
        "voting.vote_closed",  # its change at once,
        "sittings.snapshot",  # then the whole snapshot
        "sittings.closed_session_entered",
        "sittings.item_taken_up",
    ]
    _opened, closed, snapshot, *public_events = public.drain()
    # The close put the sitting in closed session: the public sees neither the vote's
    # change nor the vote in the snapshot that follows it (R25).
    assert closed["data"] == {} and closed["patch"] == {"vote": None, "counts.vote": None}
    assert "data" not in snapshot and snapshot["state"]["vote"] is None
    # In closed session the public learns that the sitting is closed, not what is discussed.
    assert all(e["data"] == {} and e["state"]["current_item"] is None for e in public_events)
    assert public_events[-1]["state"]["sitting"]["in_closed_session"] is True
