"""R20: the election of the mayor and adjoints (EPCI: president and bureau) is an election
of its own: chaired by the oldest member present and nobody else, by secret ballot with
candidates, with no waiver possible."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from sessions import services as sittings
from sessions.models import AgendaItem
from tests.voting.ballots import cast, open_sitting
from voting import services
from voting.errors import VoteRefused
from voting.models import Vote, VoteRecord

pytestmark = pytest.mark.django_db

ELECTION = AgendaItem.Kind.ELECTION


def _eldest(member, year: int = 1940) -> None:
    member.birthdate = datetime.date(year, 5, 1)
    member.save(update_fields=["birthdate"])


def test_the_oldest_member_present_chairs_and_nobody_else():
    s, item, m = open_sitting(members=7, kind=ELECTION)
    _eldest(m[3])
    assert s.chair == m[0]  # the outgoing mayor chairs the sitting, not the election
    with pytest.raises(VoteRefused) as err:
        services.vote_open(item=item, kind="election", user=None, candidates=m[4:6], chair=m[0])
    assert err.value.code == "election_chair"
    assert err.value.params["chair"] == m[3].id
    assert m[3].full_name in err.value.message and "plus âgé" in err.value.message
    assert not Vote.objects.filter(item=item).exists()
    vote = services.vote_open(item=item, kind="election", user=None, candidates=m[4:6])
    assert vote.chair == m[3]
    opened = VoteRecord.objects.get(vote=vote, kind="opened")
    assert opened.payload["chair"] == m[3].id
    again = services.vote_close(vote=vote, user=None, confirm=True)
    assert again.chair == m[3]


def test_naming_the_oldest_as_chair_is_accepted_and_an_absent_elder_does_not_chair():
    s, item, m = open_sitting(members=7, present=6, kind=ELECTION)
    _eldest(m[6], 1930)  # not present (open_sitting marks m[:6] present)
    _eldest(m[2], 1945)
    vote = services.vote_open(item=item, kind="election", user=None, candidates=m[4:6], chair=m[2])
    assert vote.chair == m[2]


@pytest.mark.parametrize("kind", ["hands", "electronic", "roll_call", "secret"])
def test_the_election_is_only_an_election_by_secret_ballot(kind):
    s, item, m = open_sitting(members=8, kind=ELECTION)
    with pytest.raises(VoteRefused) as err:
        services.vote_open(
            item=item,
            kind=kind,
            user=None,
            requests={"roll_call": [x.id for x in m[:2]]} if kind == "roll_call" else {},
        )
    assert err.value.code == "election_kind_required"
    assert "R20" in err.value.message


def test_no_waiver_of_the_secret_ballot_for_the_election():
    s, item, m = open_sitting(members=5, kind=ELECTION)
    with pytest.raises(VoteRefused) as err:
        services.secret_waiver_record(item=item, objectors=[], user=None)
    assert err.value.code == "secret_required_by_text"
    assert "secret" in err.value.message


def test_a_further_round_is_chaired_by_the_oldest_then_present():
    s, item, m = open_sitting(members=7, kind=ELECTION)
    _eldest(m[3], 1940)
    _eldest(m[5], 1944)
    vote = services.vote_open(item=item, kind="election", user=None, candidates=[m[1], m[2]])
    for voter, choice in zip(m, [m[1], m[1], m[2], m[2], "blank", "blank", "blank"], strict=True):
        cast(vote, voter, choice if choice == "blank" else str(choice.id))
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.chair == m[3] and vote.result["next_round"] is True
    sittings.attendance_record(sitting=s, member=m[3], kind="departure", user=None)
    second = services.election_next_round(vote=vote, user=None)
    assert second.round_no == 2 and second.chair == m[5]


def test_the_api_refuses_another_chair_and_says_who_presides():
    s, item, m = open_sitting(members=7, kind=ELECTION)
    _eldest(m[4])
    api = APIClient()
    api.force_authenticate(m[0].user)
    refused = api.post(
        f"/api/sittings/{s.id}/votes/",
        {"kind": "election", "candidates": [m[1].id, m[2].id], "chair": m[0].id},
        format="json",
    )
    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["code"] == "election_chair" and body["chair"] == m[4].id
    assert m[4].full_name in body["message"]
    opened = api.post(
        f"/api/sittings/{s.id}/votes/",
        {"kind": "election", "candidates": [m[1].id, m[2].id]},
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    assert Vote.objects.get(pk=opened.json()["id"]).chair == m[4]
