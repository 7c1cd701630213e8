"""The room's screen (seed 002's connected table; OpenSlides' projector): reads and socket.

A display in the chamber, or a councillor's tablet, shows the sitting as the members see
it: it joins the members' group (sessions.realtime.private_group) and receives the seats'
snapshots, to which it adds what a screen shows and a seat does not (the text of the item
under discussion, the councillors present from elsewhere). It has no login, only a device
token issued by the clerk (sessions.services.screens). During a closed session the public
has left the room: the screen says "Huis clos" and goes on showing the sitting as the
members see it; it never carries the public broadcast.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.translation import gettext as _

from council.errors import DomainError, NotFound
from council.models import Assembly

from .live.snapshots import chair_snapshot
from .models import AttendanceEvent, ScreenToken, Sitting
from .realtime import private_group, seat_view
from .selectors import presence
from .services.screens import screen_for_token, screen_group, screen_seen


def screen_sitting(assembly: Assembly, now: datetime.datetime | None = None) -> Sitting | None:
    """The sitting a screen of `assembly` follows: the one in progress, else the next one
    convened (from twelve hours ago), else the latest one held."""
    now = now or timezone.now()
    sittings = Sitting.objects.filter(assembly=assembly).select_related("assembly")
    live = sittings.filter(state__in=[Sitting.State.OPEN, Sitting.State.SUSPENDED]).first()
    if live is not None:
        return live
    upcoming = (
        sittings.filter(
            state=Sitting.State.CONVENED, starts_at__gte=now - datetime.timedelta(hours=12)
        )
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        return upcoming
    return sittings.filter(state=Sitting.State.CLOSED).order_by("-starts_at").first()


def access_screen_sitting(token: str | None, sitting_id: int) -> tuple[ScreenToken, Sitting]:
    """The screen and the sitting, if the token is valid and the sitting is its assembly's
    and convened (a draft is never shown)."""
    screen = screen_for_token(token)
    sitting = (
        Sitting.objects.select_related("assembly", "current_item", "chair", "secretary")
        .filter(pk=sitting_id, assembly_id=screen.assembly_id)
        .exclude(state=Sitting.State.DRAFT)
        .first()
    )
    if sitting is None:
        raise NotFound(_("No such sitting."))
    return screen, sitting


def screen_extras(sitting: Sitting) -> dict[str, Any]:
    """What a screen shows beyond a seat's snapshot: the current item's text and papers, and
    the members present from elsewhere (a sitting held in several places, R27). Their
    pictures travel only to the members' own video page, so the screen names them."""
    sitting.refresh_from_db(fields=["current_item", "in_closed_session", "state"])
    item = sitting.current_item
    remote = []
    for event in presence(sitting).values():
        if event.mode == AttendanceEvent.Mode.CHAMBER:
            continue
        remote.append(
            {
                "name": event.member.full_name,
                "mode": event.mode,
                "where": event.room.name if event.room else _("from home (video)"),
            }
        )
    remote.sort(key=lambda r: r["name"])
    return {
        "item_text": item.summary if item else "",
        "item_papers": [d.title for d in item.documents.all()] if item else [],
        "remote": remote,
        "several_places": sitting.is_teleconference or bool(remote),
    }


def screen_snapshot(sitting: Sitting) -> dict[str, Any]:
    state = seat_view(chair_snapshot(sitting))
    state["screen"] = screen_extras(sitting)
    return state


def _augmented(text: str, sitting_id: int) -> str:
    """A members' event with the screen's extras added to its snapshot, if it has one."""
    message = json.loads(text)
    state = message.get("state")
    if isinstance(state, dict):
        sitting = Sitting.objects.select_related("assembly").get(pk=sitting_id)
        state["screen"] = screen_extras(sitting)
        return json.dumps(message, default=str)
    return text


def _still_valid(token: str, sitting_id: int) -> None:
    access_screen_sitting(token, sitting_id)


class ScreenConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels has no stubs
    """Read-only: it accepts no action."""

    async def connect(self) -> None:
        await self.accept()
        self.sitting_id = self.scope["url_route"]["kwargs"]["sitting_id"]
        query = parse_qs(self.scope.get("query_string", b"").decode("ascii", "replace"))
        self.token = (query.get("token") or [""])[0]
        try:
            screen, snapshot = await database_sync_to_async(self._open, thread_sensitive=False)()
        except DomainError as err:
            await self.send_json({"type": "error", **err.as_dict()})
            await self.close(code=4000 + err.status)
            return
        self.groups_joined = [private_group(self.sitting_id), screen_group(screen.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send_json({"type": "sittings.snapshot", "state": snapshot})

    def _open(self) -> tuple[ScreenToken, dict[str, Any]]:
        screen, sitting = access_screen_sitting(self.token, self.sitting_id)
        screen_seen(screen)
        return screen, screen_snapshot(sitting)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send_json(
            {"type": "error", "code": "read_only", "message": _("A screen only shows the sitting.")}
        )

    async def relay_event(self, message: dict[str, Any]) -> None:
        text = message["text"]
        if '"sittings.screen_revoked"' in text[:60]:
            await self.send(text_data=text)
            await self.close(code=4403)
            return
        try:
            text = await database_sync_to_async(self._fresh, thread_sensitive=False)(text)
        except DomainError as err:
            await self.send_json({"type": "error", **err.as_dict()})
            await self.close(code=4000 + err.status)
            return
        await self.send(text_data=text)

    def _fresh(self, text: str) -> str:
        _still_valid(self.token, self.sitting_id)
        return _augmented(text, self.sitting_id)
