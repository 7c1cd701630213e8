"""Domain errors with stable codes, shared by every app."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal by the law or the state machine. `code` is stable; `message` is for people."""

    code = "domain_error"
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
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400


class Conflict(DomainError):
    """The action is refused in the current state (transition, rule of law)."""

    code = "conflict"
    status = 409
