"""Error codes of the sittings app: one subclass per refusal the law makes."""

from enum import StrEnum

from council.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class SittingErrorCode(StrEnum):
    """The sessions app's refusal codes: the API's `code`, the socket's error frame."""

    AGENDA_FIXED = "agenda_fixed"
    ALL_PRESENT = "all_present"
    ALREADY_EXPELLED = "already_expelled"
    ALREADY_PRESENT = "already_present"
    ALREADY_PUBLISHED = "already_published"
    ALREADY_QUEUED = "already_queued"
    ALREADY_REVOKED = "already_revoked"
    ALREADY_SIGNED = "already_signed"
    ASSEMBLY = "assembly"
    ATTENDANCE_REFUSED = "attendance_refused"
    CANNOT_EXPEL = "cannot_expel"
    CARRIED_ITEM_STAYS = "carried_item_stays"
    CARRIED_NEEDS_ONE_PLACE = "carried_needs_one_place"
    COLUMNS_MISSING = "columns_missing"
    CONVOCATION_INCOMPLETE = "convocation_incomplete"
    COPY_MISSING = "copy_missing"
    DELIVERY_IN_PROGRESS = "delivery_in_progress"
    DUPLICATE = "duplicate"
    EMPTY = "empty"
    FILE_MISSING = "file_missing"
    FILE_TOO_LARGE = "file_too_large"
    GRANTOR_HAS_PROXY = "grantor_has_proxy"
    HOLDER_HAS_PROXY = "holder_has_proxy"
    INVALID_DATE = "invalid_date"
    INVALID_ITEM = "invalid_item"
    INVALID_KIND = "invalid_kind"
    INVALID_LINES = "invalid_lines"
    INVALID_MATTER = "invalid_matter"
    INVALID_MODE = "invalid_mode"
    INVALID_SITTING = "invalid_sitting"
    ITEM_DECIDED = "item_decided"
    ITEM_POSTPONED = "item_postponed"
    LABEL_MISSING = "label_missing"
    MEMBER_ABSENT = "member_absent"
    MEMBER_EXPELLED = "member_expelled"
    MEMBER_MISSING = "member_missing"
    MINUTES_INCOMPLETE = "minutes_incomplete"
    MINUTES_STATE = "minutes_state"
    MIXED_ASSEMBLIES = "mixed_assemblies"
    NO_CHAMBER = "no_chamber"
    NO_EMAIL = "no_email"
    NO_HOLDER = "no_holder"
    NO_INTEREST = "no_interest"
    NO_MEMBER = "no_member"
    NO_S2LOW_LINK = "no_s2low_link"
    NO_SITTING = "no_sitting"
    NO_SPEAKER = "no_speaker"
    NO_URGENCY = "no_urgency"
    NOT_ALLOWED = "not_allowed"
    NOT_CLOSED = "not_closed"
    NOT_CONSECUTIVE = "not_consecutive"
    NOT_EPCI = "not_epci"
    NOT_IN_OFFICE = "not_in_office"
    NOT_MEMBER = "not_member"
    NOT_PRESENT = "not_present"
    NOT_QUEUED = "not_queued"
    NOT_REFUSED = "not_refused"
    NOT_UTF8 = "not_utf8"
    NOTICE_TOO_SHORT = "notice_too_short"
    OPENING_REASON_MISSING = "opening_reason_missing"
    PAGE = "page"
    PROPOSAL_DECIDED = "proposal_decided"
    PROPOSALS_CLOSED = "proposals_closed"
    PROXY_REFUSED = "proxy_refused"
    QUERY = "query"
    QUERY_EMPTY = "query_empty"
    QUERY_TOO_LONG = "query_too_long"
    QUERY_TOO_MANY_WORDS = "query_too_many_words"
    QUORUM_NOT_REACHED = "quorum_not_reached"
    QUORUM_REACHED = "quorum_reached"
    REASON_MISSING = "reason_missing"
    REPLACEMENT_REASON_MISSING = "replacement_reason_missing"
    REQUESTER_ABSENT = "requester_absent"
    SCREEN_REVOKED = "screen_revoked"
    SECRETARY_MISSING = "secretary_missing"
    SELF_PROXY = "self_proxy"
    SITTING_CLOSED = "sitting_closed"
    SITTING_NOT_CLOSED = "sitting_not_closed"
    TELECONFERENCE_NOT_ALLOWED = "teleconference_not_allowed"
    TITLE_MISSING = "title_missing"
    TOO_MANY_PROPOSALS = "too_many_proposals"
    TOO_MANY_SITTINGS = "too_many_sittings"
    TRANSITION_REFUSED = "transition_refused"
    UNKNOWN_ASSEMBLY = "unknown_assembly"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_MEMBER = "unknown_member"
    UNKNOWN_ROOM = "unknown_room"
    UNKNOWN_SITTING = "unknown_sitting"
    UPLOAD_REFUSED = "upload_refused"
    URGENCY_REASON_MISSING = "urgency_reason_missing"
    URGENCY_UNDECIDED = "urgency_undecided"
    WRONG_ITEM = "wrong_item"
    WRONG_ROOM = "wrong_room"


__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "TransitionRefused",
    "NoticeTooShort",
    "QuorumNotReached",
    "ProxyRefused",
    "AttendanceRefused",
    "ConvocationIncomplete",
    "UploadRefused",
]


class TransitionRefused(Conflict):
    code = SittingErrorCode.TRANSITION_REFUSED


class NoticeTooShort(Conflict):
    code = SittingErrorCode.NOTICE_TOO_SHORT


class QuorumNotReached(Conflict):
    code = SittingErrorCode.QUORUM_NOT_REACHED


class ProxyRefused(Conflict):
    code = SittingErrorCode.PROXY_REFUSED


class AttendanceRefused(Conflict):
    code = SittingErrorCode.ATTENDANCE_REFUSED


class ConvocationIncomplete(Conflict):
    code = SittingErrorCode.CONVOCATION_INCOMPLETE


class UploadRefused(InvalidInput):
    code = SittingErrorCode.UPLOAD_REFUSED
