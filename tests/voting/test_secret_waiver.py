"""R18: a nomination is voted by secret ballot unless the council unanimously waives it;
the waiver is recorded with who was present and that nobody objected, and travels with
the vote it made public."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from council.errors import InvalidInput
from sessions import services as sittings
from sessions.minutes.draft import minutes_draft
from sessions.minutes.pdf import _result_lines
from sessions.models import AgendaItem, SittingLog
from tests.voting.ballots import open_sitting
from voting import services
from voting.errors import VoteRefused
from voting.models import VoteRecord

pytestmark = pytest.mark.django_db

NOMINATION = AgendaItem.Kind.NOMINATION


def test_a_nomination_is_not_voted_in_public_without_a_waiver():
    s, item, m = open_sitting(members=6, kind=NOMINATION)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="hands", user=None)
    assert err.value.code == "secret_required"
    vote = services.vote_open(item=item, kind="secret", user=None)
    assert vote.is_secret and vote.waiver is None


def test_one_objection_keeps_the_ballot_secret_and_is_recorded():
    s, item, m = open_sitting(members=6, kind=NOMINATION)
    decision = services.secret_waiver_record(item=item, objectors=[m[4]], user=None)
    assert decision["waived"] is False
    assert decision["objections"] == [{"member": m[4].id, "name": m[4].full_name}]
    entry = SittingLog.objects.get(sitting=s, kind="secret_waiver")
    assert entry.data["waived"] is False and len(entry.data["present"]) == 6
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="electronic", user=None)
    assert err.value.code == "secret_required"


def test_a_unanimous_waiver_is_recorded_with_the_vote_it_makes_public():
    s, item, m = open_sitting(members=6, kind=NOMINATION)
    decision = services.secret_waiver_record(item=item, objectors=[], user=None)
    assert decision["waived"] is True
    assert [p["member"] for p in decision["present"]] == sorted(
        (x.id for x in m), key=lambda i: next(x.full_name for x in m if x.id == i)
    )
    vote = services.vote_open(item=item, kind="hands", user=None)
    assert vote.secret_waived is True and not vote.is_secret
    assert vote.waiver["objections"] == [] and len(vote.waiver["present"]) == 6
    opened = VoteRecord.objects.get(vote=vote, kind="opened")
    assert opened.payload["waiver"]["waived"] is True  # in the chained vote log
    vote = services.vote_close(
        vote=vote, user=None, counts={"for": 5, "against": 0, "abstain": 1}, confirm=True
    )
    [v] = next(i for i in minutes_draft(s)["items"] if i["id"] == item.id)["votes"]
    lines = _result_lines(v)
    assert any("renoncé à l’unanimité au scrutin secret" in line for line in lines), lines
    assert any(m[3].full_name in line for line in lines)


def test_a_member_who_arrives_after_the_waiver_makes_it_be_decided_again():
    s, item, m = open_sitting(members=7, present=6, kind=NOMINATION)
    services.secret_waiver_record(item=item, objectors=[], user=None)
    sittings.attendance_record(sitting=s, member=m[6], kind="arrival", user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="hands", user=None)
    assert err.value.code == "waiver_stale" and m[6].full_name in err.value.message
    services.secret_waiver_record(item=item, objectors=[], user=None)
    assert services.vote_open(item=item, kind="hands", user=None).secret_waived


def test_a_departure_after_the_waiver_does_not_undo_it():
    s, item, m = open_sitting(members=7, kind=NOMINATION)
    services.secret_waiver_record(item=item, objectors=[], user=None)
    sittings.attendance_record(sitting=s, member=m[6], kind="departure", user=None)
    assert services.vote_open(item=item, kind="electronic", user=None).secret_waived


def test_a_third_asking_for_the_secret_ballot_prevails_over_a_waiver():
    s, item, m = open_sitting(members=6, kind=NOMINATION)
    services.secret_waiver_record(item=item, objectors=[], user=None)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(
            item=item, kind="hands", user=None, requests={"secret": [m[1].id, m[2].id]}
        )
    assert err.value.code == "secret_prevails"


def test_the_waiver_is_for_a_nomination_and_objectors_must_be_present():
    s, item, m = open_sitting(members=6, present=5)  # a deliberation
    with pytest.raises(VoteRefused) as err:
        services.secret_waiver_record(item=item, objectors=[], user=None)
    assert err.value.code == "waiver_not_applicable"
    s2, nomination, m2 = open_sitting(members=6, present=5, kind=NOMINATION)
    with pytest.raises(InvalidInput) as err:
        services.secret_waiver_record(item=nomination, objectors=[m2[5]], user=None)
    assert err.value.code == "requester_absent"
    with pytest.raises(InvalidInput):  # a member of another council
        services.secret_waiver_record(item=nomination, objectors=[m[1]], user=None)
    assert not SittingLog.objects.filter(kind="secret_waiver").exists()


def test_the_api_records_the_waiver_for_the_chair_only():
    s, item, m = open_sitting(members=6, kind=NOMINATION)
    url = f"/api/sittings/{s.id}/secret-waiver/"
    councillor = APIClient()
    councillor.force_authenticate(m[3].user)
    assert councillor.post(url, {"objectors": []}, format="json").status_code == 403
    chair = APIClient()
    chair.force_authenticate(m[0].user)
    unknown = chair.post(url, {"objectors": [], "unanimous": True}, format="json")
    assert unknown.status_code == 400
    objected = chair.post(url, {"objectors": [m[2].id]}, format="json")
    assert objected.status_code == 201 and objected.json()["waived"] is False
    waived = chair.post(url, {}, format="json")
    assert waived.status_code == 201 and waived.json()["waived"] is True
    assert len(waived.json()["present"]) == 6
    opened = chair.post(f"/api/sittings/{s.id}/votes/", {"kind": "electronic"}, format="json")
    assert opened.status_code == 201, opened.json()
