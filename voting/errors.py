"""Error codes of the voting app."""

from council.errors import Conflict, InvalidInput


class VoteRefused(Conflict):
    code = "vote_refused"


class BallotRefused(Conflict):
    code = "ballot_refused"


class InvalidChoice(InvalidInput):
    code = "invalid_choice"
