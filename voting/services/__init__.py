"""Every write of the voting app."""

from .ballots import Receipt, answer_record, ballot_cast
from .closed_session import closed_session_vote_open
from .closing import election_next_round, vote_close
from .opening import eligible_voices, secret_request_record, vote_open
from .waiver import secret_waiver_record

__all__ = [
    "Receipt",
    "answer_record",
    "ballot_cast",
    "closed_session_vote_open",
    "election_next_round",
    "eligible_voices",
    "vote_close",
    "secret_request_record",
    "secret_waiver_record",
    "vote_open",
]
