"""The roll call's "all present" (sessions/services/roll_call.py): one event per member in
the append-only log, one broadcast, a refusal when there is nothing to record."""

import pytest

from sessions.errors import AttendanceRefused, TransitionRefused
from sessions.models import AttendanceEvent
from sessions.realtime import desk_group
from sessions.selectors import presence, quorum_for
from sessions.services import attendance_record
from sessions.services.roll_call import attendance_all_present
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_all_present_then_three_absent(events, django_capture_on_commit_callbacks):
    a = f.assembly(members=59, population=1_000)
    s = f.convened(a, notes=False)
    people = list(a.members.order_by("id"))
    f.arrive(s, people[:2])  # two already here: not recorded twice
    events.listen(desk_group(s.id))
    with django_capture_on_commit_callbacks(execute=True):
        assert attendance_all_present(sitting=s, user=None) == {"recorded": 57}
    [event] = events.drain()  # one broadcast for 57 arrivals
    assert event["type"] == "sittings.attendance_changed"
    assert len(event["data"]["members"]) == 57
    assert sum(m["present"] for m in event["state"]["members"]) == 59
    assert AttendanceEvent.objects.filter(sitting=s, kind="arrival").count() == 59
    assert {e.room_id for e in presence(s).values()} == {s.place_id}
    for m in people[10:13]:
        attendance_record(sitting=s, member=m, kind="departure", user=None)
    q = quorum_for(s)
    assert (q.present, q.reached) == (56, True)


def test_nothing_to_record_and_a_closed_sitting_are_refused():
    a = f.assembly(members=5, population=1_000)
    s = f.opened(a, notes=False)  # everyone arrived
    with pytest.raises(AttendanceRefused) as err:
        attendance_all_present(sitting=s, user=None)
    assert err.value.code == "all_present"
    assert "déjà présents" in err.value.message or "already present" in err.value.message
    s.state = "closed"
    s.save(update_fields=["state"])
    with pytest.raises(TransitionRefused):
        attendance_all_present(sitting=s, user=None)
