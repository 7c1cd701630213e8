"""R25: the closed session (huis clos) is decided by a vote of its own, by show of hands or
electronically, chained in the vote log; adopted, the council goes into closed session,
rejected, the sitting stays public; the minutes record it."""

import pytest

from sessions import services
from sessions.minutes.draft import minutes_draft
from sessions.minutes.pdf import _closed_sessions, _result_lines
from sessions.models import SittingLog
from tests import factories as f
from voting import services as voting
from voting.errors import VoteRefused
from voting.models import Vote, VoteRecord
from voting.selectors import vote_summary
from voting.verify import chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    a = f.assembly(members=7, population=1_000)
    return a, list(a.members.order_by("id"))


def _open(s, requesters, kind="hands"):
    return voting.closed_session_vote_open(sitting=s, requested_by=requesters, kind=kind, user=None)


def test_asked_by_three_members_or_the_mayor(council):
    a, m = council
    s = f.opened(a, present=7, notes=False)
    with pytest.raises(VoteRefused) as err:
        _open(s, m[1:3])  # two members, neither the mayor
    assert err.value.code == "closed_session_request_invalid"
    assert not Vote.objects.filter(sitting=s).exists()
    vote = _open(s, m[1:4])
    assert vote.purpose == "closed_session" and vote.item is None
    assert vote.requests == {"closed_session": sorted(x.id for x in m[1:4])}
    voting.vote_close(vote=vote, user=None, counts={"for": 0, "against": 7})
    _open(s, [m[0]])  # the mayor alone


def test_only_a_show_of_hands_or_an_electronic_vote_and_no_other_vote_open(council):
    a, m = council
    s = f.opened(a, present=7, notes=False)
    for kind in ("secret", "roll_call", "election", "nonsense"):
        with pytest.raises(VoteRefused) as err:
            _open(s, [m[0]], kind=kind)
        assert err.value.code == "invalid_kind"
    _open(s, [m[0]], kind="electronic")
    with pytest.raises(VoteRefused) as err:
        _open(s, [m[0]])
    assert err.value.code == "vote_already_open"


def test_the_absolute_majority_of_the_members_present_decides_by_hands(council):
    """Seven present: three hands for is not enough, even with none against; four is."""
    a, m = council
    s = f.opened(a, present=7, notes=False)
    vote = _open(s, [m[0]])
    vote = voting.vote_close(vote=vote, user=None, counts={"for": 3, "against": 0, "abstain": 4})
    assert vote.adopted is False and vote.result["majority"] == 4
    s.refresh_from_db()
    assert not s.in_closed_session
    rejected = SittingLog.objects.get(sitting=s, kind="closed_session_vote")
    assert rejected.data["adopted"] is False and rejected.data["vote"] == vote.id
    vote = voting.vote_close(vote=_open(s, [m[0]]), user=None, counts={"for": 4, "against": 3})
    assert vote.adopted is True
    s.refresh_from_db()
    assert s.in_closed_session
    # Its result stays on every page until the next vote.
    assert vote_summary(s, public=True)["result"]["adopted"] is True
    with pytest.raises(VoteRefused) as err:
        _open(s, [m[0]])
    assert err.value.code == "already_closed"
    services.closed_session_leave(sitting=s, user=None)
    s.refresh_from_db()
    assert not s.in_closed_session


def test_electronic_from_the_seats_counts_the_voices_not_the_votes_expressed(council):
    """Three for, nobody against, four who do not vote: a majority of the votes expressed,
    not of the seven members present; rejected. A fourth ballot for adopts it."""
    a, m = council
    s = f.opened(a, present=7, notes=False)
    for n, expected in ((3, False), (4, True)):
        vote = _open(s, [m[0]], kind="electronic")
        for i, member in enumerate(m[:n]):
            voting.ballot_cast(vote=vote, voter=member, choice="for", client_id=f"clos-{n}-{i}")
        with pytest.raises(VoteRefused) as err:
            voting.vote_close(vote=vote, user=None)  # voices missing: the chair confirms
        assert err.value.code == "vote_close_unconfirmed"
        vote = voting.vote_close(vote=vote, user=None, confirm=True)
        assert vote.adopted is expected and vote.result["for"] == n
        s.refresh_from_db()
        assert s.in_closed_session is expected


def test_chained_in_the_vote_log_and_recorded_in_the_minutes(council):
    a, m = council
    s = f.opened(a, present=7, notes=False)
    assert not f.closed_session(s, [m[0]], votes_for=2)
    assert f.closed_session(s, [m[0]], votes_for=5)
    records = VoteRecord.objects.filter(vote__sitting=s).order_by("id")
    assert [r.kind for r in records] == ["opened", "closed", "opened", "closed"]
    assert records[0].payload["purpose"] == "closed_session"
    assert records[3].payload["result"]["adopted"] is True
    report = chain_verify()  # the recount gives the same decisions (absolute majority)
    assert report.ok, report.reason
    assert report.recounted == 2
    content = minutes_draft(s)
    votes = content["closed_session_votes"]
    assert [v["adopted"] for v in votes] == [False, True]
    assert votes[1]["result"]["for"] == 5 and votes[1]["anchor"] == records[3].hash
    assert votes[1]["requested_by"] == [m[0].full_name]
    lines = " ".join(_result_lines(votes[0]))
    assert "Pour\u00a0: 2, contre\u00a0: 5" in lines and "Rejeté" in lines
    printed = " ".join(b.get("text", "") for b in _closed_sessions(content))
    assert f"Demandé par\u00a0: {m[0].full_name}" in printed and records[3].hash in printed
    assert len(content["closed_sessions"]) == 1  # the one adopted
    assert all(item["votes"] == [] for item in content["items"])  # no item's deliberation


def test_a_recount_catches_a_decision_edited_to_go_into_closed_session(council):
    a, m = council
    s = f.opened(a, present=7, notes=False)
    f.closed_session(s, [m[0]], votes_for=3)
    Vote.objects.filter(sitting=s).update(purpose="deliberation")
    report = chain_verify()
    assert not report.ok and "what it decides" in report.reason
