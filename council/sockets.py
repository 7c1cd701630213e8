"""What every authenticated websocket does about its user (R-access: a socket acts only
while its user may act).

A consumer derives from ``UserSocket`` and calls ``bind_user(check)`` once its access is
granted, with ``check`` the same access check it ran at connect (raising a DomainError
when access is lost). Then:

- the socket is in the group ``user-<id>``: a logout of its session, a password change or
  a deactivation closes it (4401); a removed role makes it check again (4403 if lost);
- before every frame it receives, it checks again that its session still logs its user in
  and that ``check`` still passes; if not, the frame is refused with an error frame and the
  socket is closed, so nothing is done in the name of a user who logged out.

A scope without a session (a test that puts a user in the scope itself) has no session to
check; in the served application, AuthMiddlewareStack always gives one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from council.accounts import session_users, user_group
from council.errors import CouncilErrorCode, DomainError

SESSION_ENDED = 4401

Check = Callable[[], Any]


class SessionEnded(DomainError):
    code: str = CouncilErrorCode.SESSION_ENDED
    status = 401


def session_ended_error() -> SessionEnded:
    return SessionEnded(_("Your session has ended: log in again."))


@dataclass(frozen=True)
class SessionRef:
    """A socket's user and session, as its per-frame check reads them."""

    user_id: int | None  # None: a socket bound to no user (the public page)
    session_key: str | None
    has_session: bool
    was_superuser: bool


def sessions_ended(refs: Sequence[SessionRef]) -> list[bool]:
    """For each socket, whether its session no longer logs its user in (a logout, a
    password change, a deactivation, a superuser's role withdrawn: it reconnects to get
    the roles it has now). Many sockets at once cost two queries (session_users)."""
    with_session = [r for r in refs if r.user_id is not None and r.has_session]
    fresh = dict(
        zip(
            map(id, with_session),
            session_users([(r.session_key, r.user_id or 0) for r in with_session]),
            strict=True,
        )
    )
    bare = {r.user_id for r in refs if r.user_id is not None and not r.has_session}
    active = set(User.objects.filter(pk__in=bare, is_active=True).values_list("pk", flat=True))
    return [_ended_one(r, fresh.get(id(r)), active) for r in refs]


def _ended_one(ref: SessionRef, fresh: User | None, active: set[int]) -> bool:
    if ref.user_id is None:
        return False
    if not ref.has_session:  # a scope without a session (tests): the account only
        return ref.user_id not in active
    return fresh is None or (ref.was_superuser and not fresh.is_superuser)


class UserSocket(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels has no stubs
    """The base of every consumer whose access depends on who the user is."""

    bound_user_id: int | None = None
    access_check: Check | None = None

    async def bind_user(self, check: Check | None = None) -> None:
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            self.access_check = check
            return
        self.bound_user_id = user.pk
        self.access_check = check
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if self.bound_user_id is not None:
            await self.channel_layer.group_discard(
                user_group(self.bound_user_id), self.channel_name
            )
        await super().websocket_disconnect(message)

    def session_ref(self) -> SessionRef:
        """What the check of this socket's session reads (taken on the server's loop)."""
        session = self.scope.get("session")
        user = self.scope.get("user")
        return SessionRef(
            user_id=self.bound_user_id,
            session_key=None if session is None else session.session_key,
            has_session=session is not None,
            was_superuser=bool(getattr(user, "is_superuser", False)),
        )

    def _still_allowed(self) -> None:
        """Raises SessionEnded or the access check's DomainError (thread pool)."""
        if sessions_ended([self.session_ref()])[0]:
            self.scope["user"] = AnonymousUser()
            raise session_ended_error()
        if self.access_check is not None:
            self.access_check()

    async def _refuse(self, err: DomainError) -> None:
        await self.send_json({"type": "error", **err.as_dict()})
        await self.close(code=SESSION_ENDED if err.status == 401 else 4000 + err.status)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        if self.bound_user_id is not None or self.access_check is not None:
            try:
                await database_sync_to_async(self._still_allowed, thread_sensitive=False)()
            except DomainError as err:
                await self._refuse(err)
                return
        await super().websocket_receive(message)

    async def user_revoke(self, event: dict[str, Any]) -> None:
        """A logout (of this socket's session, or of all: session_key None), a password
        change or a deactivation."""
        key = event.get("session_key")
        session = self.scope.get("session")
        if key is not None and (session is None or session.session_key != key):
            return
        await self._refuse(session_ended_error())

    async def user_recheck(self, event: dict[str, Any]) -> None:
        """A role of this user was removed or changed: does this socket keep its access?"""
        try:
            await database_sync_to_async(self._still_allowed, thread_sensitive=False)()
        except DomainError as err:
            await self._refuse(err)
