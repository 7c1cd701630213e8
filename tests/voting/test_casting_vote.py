"""R16: in a tied show of hands the chair's own vote decides (voix prépondérante); it is
entered with the counts, shown in the result and the minutes; never in a secret ballot."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from council.errors import InvalidInput
from sessions import services as sittings
from sessions.minutes.draft import minutes_draft
from sessions.minutes.pdf import _result_lines
from sessions.models import AgendaItem
from tests.voting.ballots import cast, open_sitting
from voting import services
from voting.errors import VoteRefused
from voting.models import Vote
from voting.verify import chain_verify

pytestmark = pytest.mark.django_db


def _subsidy(members: int = 6, **kw):
    """A sitting on a subsidy (ACTES 7.5, a matter the vote needs) under discussion."""
    s, item, m = open_sitting(members=members, **kw)
    AgendaItem.objects.filter(pk=item.pk).update(matter="7.5")
    item.refresh_from_db()
    return s, item, m


def _hands(members: int = 6, **kw):
    s, item, m = _subsidy(members, **kw)
    return s, item, m, services.vote_open(item=item, kind="hands", user=None)


def _minutes_lines(s, vote) -> list[str]:
    [v] = next(i for i in minutes_draft(s)["items"] if i["id"] == vote.item_id)["votes"]
    return _result_lines(v)


def test_a_tie_is_decided_by_the_chairs_own_hand():
    s, item, m, vote = _hands()
    counts = {"for": 3, "against": 3, "abstain": 0, "chair_choice": "against"}
    vote = services.vote_close(vote=vote, user=None, counts=counts, confirm=True)
    assert vote.adopted is False
    assert vote.result["casting_vote"] is True and vote.result["chair_vote"] == "against"
    assert vote.result["chair"] == m[0].full_name
    lines = _minutes_lines(s, vote)
    assert (
        f"Partage des voix\u00a0: la voix prépondérante du président, {m[0].full_name} (contre)"
        in (" ".join(lines))
    )
    report = chain_verify()  # the recount of the log gives the same decision
    assert report.ok, report.reason
    assert report.recounted == 1


def test_a_tie_is_not_closed_without_the_chairs_vote():
    s, item, m, vote = _hands()
    with pytest.raises(VoteRefused) as err:
        services.vote_close(
            vote=vote, user=None, counts={"for": 2, "against": 2, "abstain": 2}, confirm=True
        )
    assert err.value.code == "casting_vote_missing"
    assert "voix prépondérante" not in err.value.message and "président" in err.value.message
    assert Vote.objects.get(pk=vote.pk).is_open


def test_a_chair_who_abstained_decides_nothing():
    s, item, m, vote = _hands()
    counts = {"for": 2, "against": 2, "abstain": 2, "chair_choice": "abstain"}
    vote = services.vote_close(vote=vote, user=None, counts=counts, confirm=True)
    assert vote.adopted is False and vote.result["casting_vote"] is False
    assert not any("prépondérante" in line for line in _minutes_lines(s, vote))


def test_the_chairs_vote_must_be_among_the_hands_counted():
    s, item, m, vote = _hands()
    with pytest.raises(InvalidInput) as err:
        services.vote_close(
            vote=vote,
            user=None,
            counts={"for": 0, "against": 3, "abstain": 3, "chair_choice": "for"},
            confirm=True,
        )
    assert err.value.code == "chair_vote_not_counted"


def test_no_tie_no_casting_vote_but_the_chairs_vote_is_kept():
    s, item, m, vote = _hands()
    counts = {"for": 4, "against": 2, "chair_choice": "against"}
    vote = services.vote_close(vote=vote, user=None, counts=counts, confirm=True)
    assert vote.adopted is True and vote.result["casting_vote"] is False
    assert vote.result["chair_vote"] == "against"


def test_a_chair_with_a_declared_interest_has_no_casting_vote():
    s, item, m = _subsidy(7)
    sittings.interest_declare(item=item, member=m[0], user=None)
    vote = services.vote_open(item=item, kind="hands", user=None)
    with pytest.raises(InvalidInput) as err:
        services.vote_close(
            vote=vote,
            user=None,
            counts={"for": 3, "against": 3, "chair_choice": "for"},
            confirm=True,
        )
    assert err.value.code == "chair_has_no_voice"
    vote = services.vote_close(vote=vote, user=None, counts={"for": 3, "against": 3}, confirm=True)
    assert vote.adopted is False and vote.result["casting_vote"] is False


def test_an_electronic_tie_where_the_chair_did_not_vote_is_rejected():
    s, item, m = _subsidy(6)
    vote = services.vote_open(item=item, kind="electronic", user=None)
    for voter, choice in zip(m[1:5], ["for", "for", "against", "against"], strict=True):
        cast(vote, voter, choice)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert vote.adopted is False and vote.result["casting_vote"] is False
    assert vote.result["chair_vote"] is None


def test_the_api_takes_the_chairs_vote_with_the_counts():
    s, item, m, vote = _hands()
    api = APIClient()
    api.force_authenticate(m[0].user)
    url = f"/api/votes/{vote.id}/close/"
    bad = api.post(url, {"counts": {"for": 3, "against": 3, "chair_choice": "yes"}}, format="json")
    assert bad.status_code == 400
    tie = api.post(url, {"counts": {"for": 3, "against": 3}, "confirm": True}, format="json")
    assert tie.status_code == 409 and tie.json()["code"] == "casting_vote_missing"
    closed = api.post(
        url,
        {"counts": {"for": 3, "against": 3, "chair_choice": "for"}, "confirm": True},
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["adopted"] is True and closed.json()["casting_vote"] is True
    assert closed.json()["chair_vote"] == "for"
