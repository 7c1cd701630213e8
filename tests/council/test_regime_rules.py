"""The law of R12, R14, R16, R18, R20, R21 and R25 that the services ask the regime, at its
boundaries, for the CGCT and the historical regime (R13)."""

from __future__ import annotations

import datetime

from council.regime import CGCT_2026 as R
from council.regime import COVID_2020 as COVID


def test_casting_vote_only_on_a_tie_of_a_public_vote():
    assert R.casting_vote_applies(4, 4, secret=False)
    assert not R.casting_vote_applies(4, 4, secret=True)
    assert not R.casting_vote_applies(0, 0, secret=False)
    assert not R.casting_vote_applies(5, 4, secret=False)
    assert R.motion_outcome(4, 4, secret=False, chair_choice="abstain") == (False, False)
    assert R.motion_outcome(4, 4, secret=False, chair_choice=None) == (False, False)


def test_secret_ballot_waiver_and_the_election_of_the_executive():
    assert R.secret_by_default("nomination") and R.secret_by_default("election")
    assert not R.secret_by_default("deliberation")
    assert R.secret_waivable("nomination")
    assert not R.secret_waivable("election") and R.secret_required_by_text("election")
    assert not R.secret_waivable("deliberation")
    assert R.waiver_adopted(0) and not R.waiver_adopted(1)
    assert R.chaired_by_eldest("election") and not R.chaired_by_eldest("nomination")
    assert R.vote_kinds_for("election") == ("election",)
    assert R.vote_kinds_for("nomination") is None


def test_the_eldest_is_the_earliest_birthdate_then_the_lowest_id():
    day = datetime.date
    assert R.eldest({7: day(1950, 3, 2), 3: day(1950, 3, 3), 9: day(1990, 1, 1)}) == 7
    assert R.eldest({8: day(1950, 3, 2), 4: day(1950, 3, 2)}) == 4
    assert R.eldest({}) is None


def test_proxies_per_holder_and_consecutive_sittings():
    assert R.holder_may_take(0) and not R.holder_may_take(1)
    assert COVID.holder_may_take(1) and not COVID.holder_may_take(2)
    assert R.proxy_run_allowed(3, illness=False) and not R.proxy_run_allowed(4, illness=False)
    assert R.proxy_run_allowed(12, illness=True)
    assert R.proxy_in_use(holder_counted=True, grantor_present=False)
    assert not R.proxy_in_use(holder_counted=True, grantor_present=True)
    assert not R.proxy_in_use(holder_counted=False, grantor_present=False)


def test_accounts_chair_closed_session_and_second_convocation():
    assert R.has_own_chair("accounts") and not R.has_own_chair("budget")
    assert R.closed_session_request_valid(1, by_chair=True)
    assert R.closed_session_request_valid(3, by_chair=False)
    assert not R.closed_session_request_valid(2, by_chair=False)
    assert R.quorum_exempt(second_convocation=True, carried_over=True)
    assert not R.quorum_exempt(second_convocation=True, carried_over=False)
    assert not R.quorum_exempt(second_convocation=False, carried_over=True)


def test_the_choices_a_ballot_offers():
    assert R.ballot_choices("electronic") == ("for", "against", "abstain")
    public = ("for", "against", "abstain")
    assert R.ballot_choices("hands") == R.ballot_choices("roll_call") == public
    assert R.ballot_choices("secret") == ("for", "against", "abstain", "blank")
    assert R.ballot_choices("election", candidates=[12, 5]) == ("12", "5", "blank")


def test_one_decision_rule_for_motions_and_the_closed_session():
    motion = {"closed_session": False, "secret": False}
    assert R.decision(5, 5, voices=20, chair_choice="for", **motion).casting_vote
    assert not R.decision(5, 6, voices=20, chair_choice="for", **motion).adopted
    closed = R.decision(10, 0, voices=20, closed_session=True, secret=False, chair_choice="for")
    assert (closed.adopted, closed.casting_vote, closed.majority) == (False, False, 11)
    adopted = R.decision(11, 9, voices=20, closed_session=True, secret=False, chair_choice=None)
    assert adopted.adopted
    assert R.closed_session_adopted(11, 20) and not R.closed_session_adopted(10, 20)
    assert not R.casting_vote_possible(secret=False, closed_session=True)


def test_who_counts_and_who_is_kept_out():
    class Commune:
        is_epci = False

    modes = {1: "chamber", 2: "remote", 3: "remote_room"}
    assert R.counted(Commune(), modes, teleconference=True) == {1}  # type: ignore[arg-type]
    assert COVID.counted(Commune(), modes, teleconference=True) == {1, 3}  # type: ignore[arg-type]
    assert R.kept_out({4, 7}) == {4, 7}
