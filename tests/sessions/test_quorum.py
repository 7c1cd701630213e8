"""R10-R13, R26-R27: who counts toward the quorum."""

import pytest

from council.models import Assembly
from council.regime import COVID_2020, DEFAULT_REGIME
from sessions import services
from sessions.errors import QuorumNotReached
from sessions.selectors import quorum_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_thirty_of_fifty_nine_is_quorum_and_twenty_nine_is_not():
    a = f.assembly(members=59)
    s = f.convened(a)
    members = list(a.members.order_by("id"))
    f.arrive(s, members[:29])
    q = quorum_for(s)
    assert (q.in_office, q.counted, q.needed, q.reached) == (59, 29, 30, False)
    assert q.explanation == "29 sur 59 en exercice présents, 30 requis"
    f.arrive(s, members[29:30])
    q = quorum_for(s)
    assert q.reached and q.explanation == "30 sur 59 en exercice présents, 30 requis"


def test_proxies_never_count_toward_quorum():
    a = f.assembly(members=59)
    s = f.convened(a)
    members = list(a.members.order_by("id"))
    f.arrive(s, members[:29])
    services.proxy_grant(grantor=members[40], holder=members[1], sittings=[s], user=None)
    q = quorum_for(s)
    assert q.counted == 29 and not q.reached


def test_member_with_interest_is_left_out_for_that_item_only():
    a = f.assembly(members=59)
    s = f.opened(a, present=30)
    items = list(s.items.all())
    member = a.members.order_by("id")[5]
    services.interest_declare(item=items[0], member=member, user=None)
    assert not quorum_for(s, items[0]).reached
    assert quorum_for(s, items[0]).excluded == [member.full_name]
    assert quorum_for(s, items[1]).reached


def test_opening_without_quorum_is_refused_and_leads_to_second_convocation():
    a = f.assembly(members=59)
    s = f.convened(a)
    f.arrive(s, list(a.members.order_by("id")[:29]))
    services.secretary_name(sitting=s, member=a.members.first(), user=None)
    with pytest.raises(QuorumNotReached) as err:
        services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    assert err.value.params["quorum"]["needed"] == 30
    second = services.sitting_adjourn_for_quorum(sitting=s, user=None, new_starts_at=f.in_days(15))
    s.refresh_from_db()
    assert s.state == "closed" and s.outcome == "no_quorum"
    assert second.items.count() == 3
    # Each keeps its ACTES matter code: a second convocation's item can be put to the vote.
    assert [i.matter for i in second.items.all()] == [i.matter for i in s.items.all()] != [""] * 3
    # R12: the same items need no quorum at the second sitting.
    first_item = second.items.first()
    assert quorum_for(second, first_item).reached and quorum_for(second, first_item).exempt


def test_remote_councillor_of_a_commune_counts_as_absent():
    a = f.assembly(members=5)
    s = f.convened(a)
    members = list(a.members.order_by("id"))
    f.arrive(s, members[:2])
    f.arrive(s, members[2:3], mode="remote")
    q = quorum_for(s)
    assert q.present == 3 and q.counted == 2 and not q.reached


def test_epci_remote_room_counts_in_a_teleconference_sitting():
    a = f.assembly(kind=Assembly.Kind.EPCI, members=5, remote_rooms=2, population=270_000)
    room = a.rooms.filter(kind="remote").first()
    s = f.convened(a, remote_rooms=[room])
    members = list(a.members.order_by("id"))
    f.arrive(s, members[:2])
    f.arrive(s, members[2:3], mode="remote_room", room=room)
    assert quorum_for(s).reached


def test_covid_regime_is_historical_only():
    assert DEFAULT_REGIME.quorum_needed(59) == 30
    assert COVID_2020.quorum_needed(59) == 20
    a = f.assembly(members=3)
    assert a.regime_code == DEFAULT_REGIME.code
