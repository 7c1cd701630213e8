"""The regime module alone: the numbers of the law, with their boundaries."""

import datetime

from council.regime import COVID_2020, DEFAULT_REGIME, PARIS

R = DEFAULT_REGIME


def test_quorum_is_more_than_half_of_members_in_office():
    assert [R.quorum_needed(n) for n in (59, 60, 1, 80)] == [30, 31, 1, 41]
    assert COVID_2020.quorum_needed(59) == 20  # one third, historical only


def test_clear_days_in_paris_calendar_dates():
    sitting = datetime.datetime(2026, 12, 10, 18, 30, tzinfo=PARIS)
    assert R.clear_days(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=PARIS), sitting) == 5
    assert R.clear_days(datetime.datetime(2026, 12, 9, 23, 59, tzinfo=PARIS), sitting) == 0


def test_motion_outcome_and_casting_vote():
    assert R.motion_outcome(10, 9, secret=False, chair_choice=None) == (True, False)
    assert R.motion_outcome(9, 10, secret=False, chair_choice="for") == (False, False)
    assert R.motion_outcome(5, 5, secret=False, chair_choice="for") == (True, True)
    assert R.motion_outcome(5, 5, secret=False, chair_choice="against") == (False, True)
    assert R.motion_outcome(5, 5, secret=True, chair_choice="for") == (False, False)
    assert R.motion_outcome(0, 0, secret=False, chair_choice="for") == (False, False)


def test_requests_for_roll_call_and_secret_ballot():
    assert not R.roll_call_requested(7, 29) and R.roll_call_requested(8, 29)
    assert not R.secret_requested(9, 29) and R.secret_requested(10, 29)


def test_election_majorities_and_the_oldest_candidate():
    born = {1: datetime.date(1960, 1, 1), 2: datetime.date(1950, 1, 1)}
    assert R.election_winner(1, {1: 5, 2: 5}, 10, born) is None
    assert R.election_winner(2, {1: 6, 2: 4}, 10, born) == 1
    assert R.election_winner(3, {1: 4, 2: 4}, 10, born) == 2
    assert R.election_winner(3, {1: 3, 2: 2}, 10, born) == 1


def test_teleconference_excludes_elections_budget_and_designations():
    assert {
        k
        for k in ("election", "nomination", "budget", "deliberation", "accounts")
        if R.forbidden_by_teleconference(k)
    } == {"election", "nomination", "budget"}
