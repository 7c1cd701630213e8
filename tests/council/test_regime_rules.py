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
