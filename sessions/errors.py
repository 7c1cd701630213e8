"""Error codes of the sittings app: one subclass per refusal the law makes."""

from council.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

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
    code = "transition_refused"


class NoticeTooShort(Conflict):
    code = "notice_too_short"


class QuorumNotReached(Conflict):
    code = "quorum_not_reached"


class ProxyRefused(Conflict):
    code = "proxy_refused"


class AttendanceRefused(Conflict):
    code = "attendance_refused"


class ConvocationIncomplete(Conflict):
    code = "convocation_incomplete"


class UploadRefused(InvalidInput):
    code = "upload_refused"
