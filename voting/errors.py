"""Error codes of the voting app."""

from enum import StrEnum

from council.errors import Conflict, InvalidInput


class VotingErrorCode(StrEnum):
    """The voting app's refusal codes: the API's `code`, the socket's error frame."""

    ACCOUNTS_CHAIR = "accounts_chair"
    ALREADY_CLOSED = "already_closed"
    ALREADY_VOTED = "already_voted"
    BALLOT_REFUSED = "ballot_refused"
    CASTING_VOTE_MISSING = "casting_vote_missing"
    CHAIR_HAS_NO_VOICE = "chair_has_no_voice"
    CHAIR_RECORDS = "chair_records"
    CHAIR_VOTE_NOT_COUNTED = "chair_vote_not_counted"
    CLIENT_ID_TAKEN = "client_id_taken"
    CLOSED_SESSION_REQUEST_INVALID = "closed_session_request_invalid"
    ELECTION_CHAIR = "election_chair"
    ELECTION_KIND_REQUIRED = "election_kind_required"
    GRANTOR_PRESENT = "grantor_present"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CLIENT_ID = "invalid_client_id"
    INVALID_COUNTS = "invalid_counts"
    INVALID_FIELD = "invalid_field"
    INVALID_KIND = "invalid_kind"
    INVALID_REQUEST = "invalid_request"
    ITEM_POSTPONED = "item_postponed"
    MATTER_MISSING = "matter_missing"
    MEMBER_ABSENT = "member_absent"
    NO_CANDIDATES = "no_candidates"
    NO_CHAIR = "no_chair"
    NO_CURRENT_ITEM = "no_current_item"
    NO_NEXT_ROUND = "no_next_round"
    NOT_CURRENT_ITEM = "not_current_item"
    NOT_DELIBERATIVE = "not_deliberative"
    NOT_ELIGIBLE = "not_eligible"
    NOT_RECORDED_VOTE = "not_recorded_vote"
    QUORUM_NOT_REACHED = "quorum_not_reached"
    ROLL_CALL_NOT_REQUESTED = "roll_call_not_requested"
    SECRET_NOT_REQUESTED = "secret_not_requested"
    SECRET_PREVAILS = "secret_prevails"
    SECRET_REQUIRED = "secret_required"
    SECRET_REQUIRED_BY_TEXT = "secret_required_by_text"
    TELECONFERENCE_FORBIDDEN = "teleconference_forbidden"
    TELECONFERENCE_SECRET = "teleconference_secret"
    UNKNOWN_VOTE = "unknown_vote"
    VOTE_ALREADY_OPEN = "vote_already_open"
    VOTE_CLOSE_UNCONFIRMED = "vote_close_unconfirmed"
    VOTE_CLOSED = "vote_closed"
    VOTE_REFUSED = "vote_refused"
    WAIVER_NOT_APPLICABLE = "waiver_not_applicable"
    WAIVER_STALE = "waiver_stale"


class VoteRefused(Conflict):
    code = VotingErrorCode.VOTE_REFUSED


class BallotRefused(Conflict):
    code = VotingErrorCode.BALLOT_REFUSED


class InvalidChoice(InvalidInput):
    code = VotingErrorCode.INVALID_CHOICE
