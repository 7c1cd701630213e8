"""voting.access: the vote's access helper (the API) and the one lookup of a vote a
socket message names; another assembly's or sitting's vote is never acted on."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from council.errors import Forbidden, InvalidInput, NotFound
from sessions.access import Role
from tests.voting.ballots import open_sitting
from voting import services
from voting.access import access_vote, vote_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_votes():
    s, item, m = open_sitting(members=5)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    t, other_item, n = open_sitting(members=3)
    other = services.vote_open(item=other_item, kind="electronic", user=None)
    return s, vote, m, t, other, n


def test_a_vote_is_reached_through_its_sitting(two_votes):
    s, vote, m, t, other, n = two_votes
    assert access_vote(m[2].user, vote.pk, Role.MEMBER) == vote
    assert access_vote(m[2].user, str(vote.pk), Role.MEMBER).sitting == s
    assert access_vote(AnonymousUser(), vote.pk) == vote  # a result is public
    with pytest.raises(Forbidden):
        access_vote(n[1].user, vote.pk, Role.MEMBER)
    with pytest.raises(Forbidden):
        access_vote(m[2].user, vote.pk, Role.CHAIR)
    for bad in ("abc", "²", "0", "-3", "9" * 40, None, 2.0, 999_999):
        with pytest.raises(NotFound) as err:
            access_vote(m[2].user, bad, Role.MEMBER)
        assert err.value.code == "not_found"


def test_a_socket_names_a_vote_of_its_own_sitting(two_votes):
    s, vote, m, t, other, n = two_votes
    assert vote_in(s, vote.pk) == vote
    with pytest.raises(InvalidInput) as err:
        vote_in(s, other.pk)
    assert err.value.code == "unknown_vote"
    for bad in (str(vote.pk), None, True, 1.5):
        with pytest.raises(InvalidInput) as err:
            vote_in(s, bad)
        assert err.value.code == "invalid_field"


def test_ballots_over_the_api_refuse_outsiders_and_other_members(two_votes):
    s, vote, m, t, other, n = two_votes
    url = f"/api/votes/{vote.pk}/ballots/"
    body = {"choice": "for", "client_id": "client-0001"}
    assert APIClient().post(url, body, format="json").status_code == 401
    outsider = APIClient()
    outsider.force_authenticate(n[1].user)
    assert outsider.post(url, body, format="json").status_code == 403
    member = APIClient()
    member.force_authenticate(m[2].user)
    stranger = {**body, "on_behalf_of": n[2].pk}
    answer = member.post(url, stranger, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_member"
    assert member.post("/api/votes/999999/ballots/", body, format="json").status_code == 404
    clerk = APIClient()
    clerk.force_authenticate(s.assembly.staff.first().user)
    refused = clerk.post(url, body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "not_member"
    cast = member.post(url, body, format="json")
    assert cast.status_code == 201, cast.json()
