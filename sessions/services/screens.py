"""Device tokens of the room's screens: issued and revoked by the clerk, per assembly.

A screen has no login: its URL carries a token, of which only the SHA-256 is stored. The
token is shown once, when it is issued.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from council.events import send_event_on_commit
from council.models import Assembly
from sessions.errors import SittingErrorCode

from ..errors import Forbidden, InvalidInput
from ..models import ScreenToken
from .common import User, actor


def screen_group(screen_id: int) -> str:
    """The sockets of one screen: closed when its token is revoked."""
    return f"screen-{screen_id}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@transaction.atomic
def screen_issue(*, assembly: Assembly, label: str, user: User) -> tuple[ScreenToken, str]:
    """A new screen and its token (returned once, never stored)."""
    label = label.strip()
    if not label:
        raise InvalidInput(
            _("Name the screen (for instance “Chamber, left wall”)."),
            code=SittingErrorCode.LABEL_MISSING,
        )
    token = secrets.token_urlsafe(24)
    screen = ScreenToken.objects.create(
        assembly=assembly,
        label=label[:100],
        token_sha256=token_digest(token),
        created_by=actor(user),
    )
    return screen, token


@transaction.atomic
def screen_revoke(*, screen: ScreenToken, user: User) -> ScreenToken:
    if screen.revoked_at is None:
        screen.revoked_at = timezone.now()
        screen.save(update_fields=["revoked_at"])
        message = _("This screen's token was revoked by the clerk: ask for a new link.")
        send_event_on_commit(
            screen_group(screen.pk),
            "sittings.screen_revoked",
            {"code": "screen_revoked", "message": message},
        )
    return screen


def screen_for_token(token: str | None) -> ScreenToken:
    """The screen a token opens; Forbidden, in French, for an unknown or revoked one."""
    if not token or len(token) > 200:
        raise Forbidden(_("This screen has no valid token: ask the clerk for its link."))
    screen = (
        ScreenToken.objects.select_related("assembly")
        .filter(token_sha256=token_digest(token))
        .first()
    )
    if screen is None:
        raise Forbidden(_("This screen has no valid token: ask the clerk for its link."))
    if screen.revoked_at is not None:
        raise Forbidden(
            _("This screen's token was revoked by the clerk: ask for a new link."),
            code=SittingErrorCode.SCREEN_REVOKED,
        )
    return screen


def screen_seen(screen: ScreenToken) -> None:
    """When it last connected, for the clerk's list (one write per connection)."""
    ScreenToken.objects.filter(pk=screen.pk).update(last_seen_at=timezone.now())
