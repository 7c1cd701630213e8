"""Helpers shared by the sitting services."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.utils import timezone
from django.utils.translation import gettext as _

from council.models import Member
from sessions.errors import SittingErrorCode

from ..errors import InvalidInput, TransitionRefused
from ..models import Sitting, SittingLog
from ..selectors import sitting_day

User = AuthUser | AnonymousUser | None


def actor(user: User) -> AuthUser | None:
    """The authenticated user behind an action, or None (a system or anonymous action)."""
    return user if isinstance(user, AuthUser) else None


def log(
    sitting: Sitting, kind: str, user: User = None, at: datetime.datetime | None = None, **data: Any
) -> SittingLog:
    return SittingLog.objects.create(
        sitting=sitting,
        at=at or timezone.now(),
        kind=kind,
        data=data,
        user=actor(user),
    )


def require_state(sitting: Sitting, *states: str, action: str) -> None:
    if sitting.state not in states:
        raise TransitionRefused(
            _("Cannot %(action)s: the sitting is %(state)s.")
            % {"action": action, "state": sitting.get_state_display().lower()},
            state=sitting.state,
        )


def require_in_office(sitting: Sitting, member: Member) -> None:
    if member.assembly_id != sitting.assembly_id or not member.in_office_on(sitting_day(sitting)):
        raise InvalidInput(
            _("%(name)s is not a member in office of this assembly.") % {"name": member},
            code=SittingErrorCode.NOT_IN_OFFICE,
        )


def lock(sitting: Sitting) -> Sitting:
    """Re-read the sitting under a row lock so that transitions serialise."""
    return Sitting.objects.select_for_update().select_related("assembly").get(pk=sitting.pk)


def lock_each(sittings: Iterable[Sitting]) -> None:
    """Lock several sittings, always in the order of their ids: two services locking the
    same ones never wait on each other in a circle."""
    for sitting in sorted(sittings, key=lambda s: s.pk):
        lock(sitting)
