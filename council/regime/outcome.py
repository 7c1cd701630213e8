"""What a ballot may say and what the votes decide (R16, R19, R25)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .common import absolute_majority

# R16: a motion is answered for, against or by an abstention; a secret ballot may also be
# blank (it does not count, like an abstention). R19: an election's ballot names one
# candidate, or is blank.
MOTION_CHOICES = ("for", "against", "abstain")
BLANK = "blank"


@dataclass(frozen=True)
class Decision:
    """A motion's outcome: adopted or not, whether the chair's casting vote decided it
    (R16), and the votes an absolute majority needed, when that was the rule (R25)."""

    adopted: bool
    casting_vote: bool = False
    majority: int | None = None


@dataclass(frozen=True, kw_only=True)
class OutcomeRules:
    # R16: the chair's vote decides a tie (voix prépondérante), never in a secret ballot.
    chair_casting_vote: bool = True
    # R19: absolute majority in the first rounds, relative in the last.
    election_absolute_rounds: int = 2
    election_max_rounds: int = 3

    @staticmethod
    def ballot_choices(vote_kind: str, *, candidates: Iterable[int] = ()) -> tuple[str, ...]:
        """The choices a ballot offers, in the order the pages show them, and the only
        ones the ballot box accepts: an election's candidates (ids) or blank (R19); a
        secret ballot's for, against, abstention or blank (R18); a public vote's (show of
        hands, electronic, roll call) for, against or abstention (R16, R17, R22)."""
        if vote_kind == "election":
            return (*(str(c) for c in candidates), BLANK)
        if vote_kind == "secret":
            return (*MOTION_CHOICES, BLANK)
        return MOTION_CHOICES

    @staticmethod
    def close_needs_confirmation(cast: int, voices: int) -> bool:
        """A vote closed while voices are still missing asks the chair to confirm."""
        return cast < voices

    def casting_vote_possible(self, *, secret: bool, closed_session: bool = False) -> bool:
        """R16: the chair's vote may decide a tie of a public vote; never a secret ballot's,
        nor the vote on the closed session, decided by an absolute majority (R25)."""
        return self.chair_casting_vote and not secret and not closed_session

    def casting_vote_applies(self, votes_for: int, votes_against: int, *, secret: bool) -> bool:
        """R16: a tie of a public vote, decided by the chair's own vote."""
        return (
            self.casting_vote_possible(secret=secret)
            and votes_for == votes_against
            and votes_for > 0
        )

    def motion_outcome(
        self, votes_for: int, votes_against: int, *, secret: bool, chair_choice: str | None
    ) -> tuple[bool, bool]:
        """R16: adopted iff for > against; abstentions, blank and void do not count.
        A tie goes the way the chair voted, except in a secret ballot; a chair who
        abstained or did not vote decides nothing. Returns (adopted, casting)."""
        if votes_for != votes_against:
            return votes_for > votes_against, False
        if not self.casting_vote_applies(votes_for, votes_against, secret=secret):
            return False, False
        if chair_choice not in ("for", "against"):
            return False, False
        return chair_choice == "for", True

    @staticmethod
    def closed_session_adopted(votes_for: int, present_or_represented: int) -> bool:
        """R25: the absolute majority of the members present or represented."""
        return votes_for >= absolute_majority(present_or_represented)

    def decision(
        self,
        votes_for: int,
        votes_against: int,
        *,
        voices: int,
        closed_session: bool,
        secret: bool,
        chair_choice: str | None,
    ) -> Decision:
        """What a motion's counts decide: the vote on the closed session by the absolute
        majority of its `voices`, the members present or represented, with no casting
        vote (R25); any other motion by R16's rule (`motion_outcome`)."""
        if closed_session:
            majority = absolute_majority(voices)
            return Decision(votes_for >= majority, majority=majority)
        adopted, casting = self.motion_outcome(
            votes_for, votes_against, secret=secret, chair_choice=chair_choice
        )
        return Decision(adopted, casting)

    def election_winner(
        self, round_no: int, tallies: dict[int, int], expressed: int, birthdates: dict[int, Any]
    ) -> int | None:
        """R19: absolute majority of votes expressed in rounds 1-2, relative in round 3;
        a tie goes to the oldest candidate. Returns the winner's id or None."""
        if not tallies or expressed <= 0:
            return None
        best = max(tallies.values())
        absolute = round_no <= self.election_absolute_rounds
        if absolute and best < absolute_majority(expressed):
            return None
        leaders = [c for c, n in tallies.items() if n == best]
        return min(leaders, key=lambda c: birthdates[c])
