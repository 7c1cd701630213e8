"""The broadcast's refusals: one stable code each, with one French message (gettext).

A page or the API shows `message`; a script or a test reads `code`. The transitions of a
broadcast (streaming.broadcast) and the technician's commands (streaming.services) raise
them; the runner catches the ones a race makes normal (a task sent twice, a stop asked
for between two ticks)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from council.errors import Conflict, DomainError, InvalidInput


class Code(StrEnum):
    # The broadcast's own state (streaming.broadcast).
    NOT_RUNNING = "broadcast_not_running"
    ALREADY_RUNNING = "broadcast_running"
    NOT_HELD = "broadcast_not_held"
    HELD_ELSEWHERE = "broadcast_held_elsewhere"
    NOT_ORPHANED = "broadcast_not_orphaned"
    SITTING_NOT_LIVE = "sitting_not_live"
    NO_CAMERA = "no_camera"
    # The programme (streaming.services).
    SHOT_CANCELLED = "shot_cancelled"
    SITTING_CLOSED = "sitting_closed"
    CLOSED_SESSION = "closed_session"
    CAMERA_MISSING = "camera_missing"
    CAMERA_INVALID = "camera_invalid"
    TOO_LONG = "too_long"
    SLATE_INVALID = "slate_invalid"
    UNKNOWN_COMMAND = "unknown_command"
    # Refusals of the pages and sockets beside the broadcast.
    INVALID_ITEM = "invalid_item"
    NOT_MEMBER = "not_member"
    TRANSCRIPT_MODEL_UNAVAILABLE = "transcript_model_unavailable"
    WRONG_ROOM = "wrong_room"


MESSAGES: dict[Code, Promise] = {
    Code.NOT_RUNNING: _("The broadcast is not running."),
    Code.ALREADY_RUNNING: _("The broadcast is already running."),
    Code.NOT_HELD: _("This broadcast worker no longer runs the broadcast."),
    Code.HELD_ELSEWHERE: _("Another broadcast worker, still alive, runs the broadcast."),
    Code.NOT_ORPHANED: _("The broadcast's worker is still there: nothing to take over."),
    Code.SITTING_NOT_LIVE: _("Only a convened or running sitting can be broadcast."),
    Code.NO_CAMERA: _("The room %(room)s has no camera: add one in the camera registry."),
    Code.SHOT_CANCELLED: _("This camera move was cancelled meanwhile."),
    Code.SITTING_CLOSED: _("The sitting is closed: its slate stays until the broadcast ends."),
    Code.CLOSED_SESSION: _(
        "The sitting is in closed session: the broadcast stays interrupted (R25)."
    ),
    Code.CAMERA_MISSING: _("Choose a camera."),
    Code.CAMERA_INVALID: _("This room has no such camera."),
    Code.TOO_LONG: _("A lower third line has at most 120 characters."),
    Code.SLATE_INVALID: _("Unknown slate."),
    Code.UNKNOWN_COMMAND: _("Unknown command."),
    Code.INVALID_ITEM: _("This item is not on this sitting's agenda."),
    Code.NOT_MEMBER: _("Only members of the council join the video."),
    Code.TRANSCRIPT_MODEL_UNAVAILABLE: _(
        "No speech-to-text model is installed: set SEANCE_TRANSCRIPT_MODEL."
    ),
    Code.WRONG_ROOM: _("This room is not a designated remote room of the sitting."),
}


class StreamingError(DomainError):
    """A refusal of the broadcast: its message is the code's, with `params` put in."""

    def __init__(self, code: Code, **params: Any) -> None:
        text = str(MESSAGES[code])
        super().__init__(text % params if params else text, code=code.value)


class BroadcastRefused(StreamingError, Conflict):
    """Refused in the broadcast's current state (409)."""


class BroadcastInvalid(StreamingError, InvalidInput):
    """The command itself is wrong (400)."""
