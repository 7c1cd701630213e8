"""Accounts: who is still logged in, password guessing, API tokens.

- A logout, a password change, a deactivation or a removed role reaches that user's open
  websockets through the channel-layer group ``user-<id>`` (council/sockets.py closes them
  or checks them again); every action of a socket checks again that its session still
  holds (``session_user``).
- Logins (``/login/``) and token requests (``/api/token/``) are throttled by account and
  by address with django-axes; a locked-out request gets HTTP 429 and a French message.
- API tokens expire after ``SEANCE_API_TOKEN_TTL`` seconds (council/auth.py: 401).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import import_module
from types import MappingProxyType
from typing import Any

from asgiref.sync import async_to_sync
from axes.backends import AxesStandaloneBackend
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from council.auth import token_expiry
from council.models import Member, StaffRole

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    """The channel-layer group every authenticated socket of this user joins."""
    return f"user-{user_id}"


# --- Closing a user's sockets ------------------------------------------------------------


def _send(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), message)
    except Exception:  # noqa: BLE001 - a logout never fails because Redis is away
        # The sockets still check their session before every action (council/sockets.py).
        log.warning("could not reach the sockets of user %s", user_id, exc_info=True)


def revoke_sockets(user_id: int, *, session_key: str | None = None, reason: str) -> None:
    """Close the user's sockets: those of one session (a logout), or all of them."""
    _send(user_id, {"type": "user.revoke", "session_key": session_key, "reason": reason})


def recheck_sockets(user_id: int) -> None:
    """Ask the user's sockets to check again their session and their role (a role removed),
    once the change is committed."""
    transaction.on_commit(lambda: _send(user_id, {"type": "user.recheck"}))


def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None or request is None:
        return
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    # Sent before the session is flushed: the sockets of this session close at once.
    revoke_sockets(user.pk, session_key=key or "", reason="logout")


def _user_before_save(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    """Notes whether the password or the account's activity changes in this save."""
    instance._seance_revoke = None  # type: ignore[attr-defined]
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login at each login
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["password"] != instance.password:
        instance._seance_revoke = "password"  # type: ignore[attr-defined]
    elif old["is_active"] and not instance.is_active:
        instance._seance_revoke = "deactivated"  # type: ignore[attr-defined]


def _user_saved(sender: Any, instance: User, **kwargs: Any) -> None:
    reason = getattr(instance, "_seance_revoke", None)
    if reason:
        user_id = instance.pk
        transaction.on_commit(lambda: revoke_sockets(user_id, reason=reason))


def _user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    user_id = instance.pk
    transaction.on_commit(lambda: revoke_sockets(user_id, reason="deleted"))


def _role_before_save(sender: Any, instance: Member | StaffRole, **kwargs: Any) -> None:
    instance._seance_old_user = None  # type: ignore[union-attr]
    if instance.pk is not None and not kwargs.get("raw"):
        instance._seance_old_user = (  # type: ignore[union-attr]
            sender.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        )


def _role_saved(sender: Any, instance: Member | StaffRole, **kwargs: Any) -> None:
    old = getattr(instance, "_seance_old_user", None)
    if old is not None and old != instance.user_id:
        recheck_sockets(old)  # the member's account was unlinked or moved to another user
    elif old is not None and isinstance(instance, StaffRole):
        recheck_sockets(old)  # the role changed (clerk -> technician)


def _role_deleted(sender: Any, instance: Member | StaffRole, **kwargs: Any) -> None:
    if instance.user_id is not None:
        recheck_sockets(instance.user_id)


def connect_signals() -> None:
    """Called once from CouncilConfig.ready()."""
    user_logged_out.connect(_logged_out, dispatch_uid="seance-logout-sockets")
    pre_save.connect(_user_before_save, sender=User, dispatch_uid="seance-user-before")
    post_save.connect(_user_saved, sender=User, dispatch_uid="seance-user-saved")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="seance-user-deleted")
    for model in (Member, StaffRole):
        pre_save.connect(_role_before_save, sender=model, dispatch_uid=f"seance-{model.__name__}")
        post_save.connect(_role_saved, sender=model, dispatch_uid=f"seance-{model.__name__}-s")
        post_delete.connect(_role_deleted, sender=model, dispatch_uid=f"seance-{model.__name__}-d")


# --- Does a socket's session still hold? -----------------------------------------------


def session_user(session_key: str | None, user_id: int) -> User | None:
    """The user, freshly read, if the session ``session_key`` still logs them in: the session
    exists (no logout), names this user, carries their current password's hash (no password
    change since) and the account is active. None otherwise."""
    return session_users([(session_key, user_id)])[0]


def session_users(pairs: Sequence[tuple[str | None, int]]) -> list[User | None]:
    """`session_user` for many sockets at once (the ballots of a vote, checked together):
    one read of the sessions and one of the users, whatever their number."""
    sessions = _session_data([key for key, _user in pairs if key])
    ids = {user_id for key, user_id in pairs if key}
    users = User.objects.filter(pk__in=ids, is_active=True).in_bulk() if ids else {}
    return [_logs_in(sessions.get(key or ""), uid, users.get(uid)) for key, uid in pairs]


def _session_data(keys: list[str]) -> dict[str, Mapping[str, Any]]:
    """The data of the sessions still valid among `keys` (expired ones are missing)."""
    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db" or len(keys) < 2:
        loaded = {key: engine.SessionStore(key).load() for key in set(keys)}
        return {key: data for key, data in loaded.items() if data}
    rows = Session.objects.filter(session_key__in=set(keys), expire_date__gt=timezone.now())
    return {key: _decoded(data) for key, data in rows.values_list("session_key", "session_data")}


@lru_cache(maxsize=4096)
def _decoded(session_data: str) -> Mapping[str, Any]:
    """A stored session's data, as its signature vouches for it (nothing if forged): the
    same text decodes the same way, so the sockets of a vote checked again at each batch
    verify each session's signature once, while the row is still read every time (a logout
    deletes it, a new login rewrites it)."""
    return MappingProxyType(
        import_module(settings.SESSION_ENGINE).SessionStore().decode(session_data)
    )


def _logs_in(data: Mapping[str, Any] | None, user_id: int, user: User | None) -> User | None:
    if not data or str(data.get(SESSION_KEY)) != str(user_id):
        return None
    if data.get(BACKEND_SESSION_KEY) is None or user is None:
        return None
    if not constant_time_compare(data.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()):
        return None
    return user


# --- Password guessing (django-axes) -----------------------------------------------------


class LoginThrottle(AxesStandaloneBackend):  # type: ignore[misc]  # axes has no stubs
    """Refuses the login of a locked-out account or address (first of
    AUTHENTICATION_BACKENDS). Code that authenticates without a request (the test client's
    ``login()``, a management command) is not a guess from the network and is let through."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kw: Any
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kw)
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address the throttle counts: REMOTE_ADDR, which Daphne (--proxy-headers) takes
    from the X-Forwarded-For that nginx sets to the peer's address (never a client's own
    header, which anyone can forge)."""
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins: this account or this address is locked for %(minutes)d "
        "minutes. Try again later, or ask the clerk's office."
    ) % {"minutes": minutes}


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page's answer to a locked-out request (HTTP 429)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": lockout_message()}, status=429)
    return render(
        request, "registration/locked_out.html", {"message": lockout_message()}, status=429
    )


# --- API tokens ---------------------------------------------------------------------------


class ObtainToken(ObtainAuthToken):
    """POST username and password: a token valid SEANCE_API_TOKEN_TTL seconds (a new one
    once the last has expired). Throttled by account and by address like the login page."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"code": "locked_out", "message": lockout_message()},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, _created = Token.objects.select_for_update().get_or_create(user=user)
            if token_expiry(token) <= timezone.now():
                token.delete()
                token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires": token_expiry(token).isoformat()})


obtain_token = ObtainToken.as_view()
