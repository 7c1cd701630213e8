"""Domain errors with stable codes, shared by every app."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CouncilErrorCode(StrEnum):
    """The council app's refusal codes: the API's `code`, the socket's error frame."""

    CONFLICT = "conflict"
    DOMAIN_ERROR = "domain_error"
    FORBIDDEN = "forbidden"
    INVALID_FIELD = "invalid_field"
    INVALID_FRAME = "invalid_frame"
    INVALID_INPUT = "invalid_input"
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    NOT_FOUND = "not_found"
    SESSION_ENDED = "session_ended"
    TOO_DEEP = "too_deep"
    UNKNOWN_MEMBER = "unknown_member"


class DomainError(Exception):
    """A refusal by the law or the state machine. `code` is stable; `message` is for people."""

    code: str = CouncilErrorCode.DOMAIN_ERROR  # a member of one app's error-code enum
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, **params: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.params}


class Forbidden(DomainError):
    code: str = CouncilErrorCode.FORBIDDEN
    status = 403


class NotFound(DomainError):
    code: str = CouncilErrorCode.NOT_FOUND
    status = 404


class InvalidInput(DomainError):
    code: str = CouncilErrorCode.INVALID_INPUT
    status = 400


class Conflict(DomainError):
    """The action is refused in the current state (transition, rule of law)."""

    code: str = CouncilErrorCode.CONFLICT
    status = 409
