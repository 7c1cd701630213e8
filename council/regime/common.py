"""What every part of the regime shares: the calendar of the law and the attendance modes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class AttendanceMode:
    CHAMBER = "chamber"  # physically in the council chamber
    REMOTE_ROOM = "remote_room"  # in a designated remote room (EPCI teleconference)
    REMOTE = "remote"  # following by browser from elsewhere


def absolute_majority(n: int) -> int:
    """More than half of `n`: the one majority arithmetic of the law (R10, R19, R25)."""
    return n // 2 + 1
