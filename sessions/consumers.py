"""Websocket surfaces of a sitting: public page, councillor seat, chair dashboard.

Thin: authenticate, check access, join the group, parse an action, call a service,
forward group events. Every refusal is an error frame {"type": "error", ...}.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from council.errors import DomainError, InvalidInput
from council.events import own_text
from council.frames import action_frame
from council.models import Member
from council.parsing import (
    parse_flag,
    parse_id,
    parse_member,
    parse_ref,
    parse_text,
)
from council.sockets import UserSocket
from streaming.audience import viewer_joined, viewer_left
from voting import actions as voting_actions
from voting import intake
from voting.seat_events import seats_own_group
from voting.selectors import my_ballots

from . import services
from .access import Role, access_member, access_sitting, member_of
from .inputs import item_in, optional_room_in
from .live import relay
from .live.snapshots import chair_snapshot, public_snapshot
from .models import AgendaItem, Sitting
from .realtime import desk_group, private_group, public_group, seat_view
from .services.roll_call import attendance_all_present

logger = logging.getLogger(__name__)
MAX_FRAME = 16 * 1024


def in_thread_pool(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Database work of a socket, run in the thread pool rather than on the one thread that
    Channels shares between every consumer by default: 150 councillors voting at once then
    wait on the database's row locks, not on each other's Python."""
    wrapped: Callable[..., Any] = database_sync_to_async(fn, thread_sensitive=False)
    return wrapped


Handler = Callable[[Any, Sitting, dict[str, Any]], Any]


class SittingConsumer(UserSocket):
    role: Role = Role.PUBLIC
    actions: dict[str, Handler] = {}
    together: dict[str, Callable[[Any, dict[str, Any]], Awaitable[None]]] = {}
    running: set[asyncio.Future[None]]  # its frames handled together, until done
    own_key: str | None = None  # a seat's member: its frames of a "relay.each" message

    async def connect(self) -> None:
        self.running = set()
        relay.follow(self)  # its relay events the short way once its snapshot is sent
        await self.accept()
        self.sitting_id = self.scope["url_route"]["kwargs"]["sitting_id"]
        self.user = self.scope.get("user")
        try:
            sitting = await in_thread_pool(access_sitting)(self.user, self.sitting_id, self.role)
        except DomainError as err:
            await self.send_json({"type": "error", **err.as_dict()})
            await self.close(code=4000 + err.status)
            return
        self.groups_joined = self.group_names(sitting)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        if self.role != Role.PUBLIC:  # closed at logout, checked again before each action
            await self.bind_user(lambda: access_sitting(self.user, self.sitting_id, self.role))
        snapshot = await in_thread_pool(self.snapshot)(sitting)
        await self.send_json({"type": "sittings.snapshot", "state": snapshot})
        self.live = True

    async def disconnect(self, code: int) -> None:
        # No answer to a socket gone: a ballot already in its batch is cast all the same,
        # and the seat learns it from its snapshot when it reconnects.
        for task in list(getattr(self, "running", ())):
            task.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    def group_names(self, sitting: Sitting) -> list[str]:
        return [private_group(sitting.id)]

    def snapshot(self, sitting: Sitting) -> dict[str, Any]:
        return chair_snapshot(sitting)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """A frame of an action checked and run with others (a ballot: voting.intake) skips
        the per-frame check of its socket, which its batch makes for every socket at once,
        and does not hold the socket's next frames back while its batch is written (a
        holder's ballot in the name of their grantor joins the same batch as their own);
        any other frame, a malformed one included, takes the usual way."""
        content = _well_formed(message.get("text")) if self.together else None
        handler = self.together.get(content["action"]) if content else None
        if content is None or handler is None:
            await super().websocket_receive(message)
            return
        task = asyncio.ensure_future(self._together(handler, content))
        self.running.add(task)  # held until done: the loop keeps weak references to tasks
        task.add_done_callback(self.running.discard)

    async def _together(
        self, handler: Callable[[Any, dict[str, Any]], Awaitable[None]], content: dict[str, Any]
    ) -> None:
        """A frame's handler, failing as the consumer itself would: logged, socket closed."""
        try:
            await handler(self, content)
        except Exception:
            logger.exception("sitting %s: a %s frame failed", self.sitting_id, content["action"])
            await self.close(code=1011)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = action_frame(text_data, MAX_FRAME)
            parse_ref(content.get("ref"))
        except InvalidInput as err:
            await self.send_json({"type": "error", **err.as_dict()})
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        action, ref = content["action"], content.get("ref")
        handler = self.actions.get(action)
        if handler is None:
            await self.error("unknown_action", _("Unknown action: %(a)s.") % {"a": action[:40]})
            return
        try:
            result = await in_thread_pool(self.run)(handler, content)
        except DomainError as err:
            result = err
        await self.answer(action, ref, result)

    async def answer(self, action: str, ref: Any, result: Any) -> None:
        """An action's outcome: its refusal as an error frame, else its acknowledgement
        (with its result, when it is one)."""
        if isinstance(result, DomainError):
            await self.send_json(
                {"type": "error", "action": action, "ref": ref, **result.as_dict()}
            )
            return
        ack = {"type": "ack", "action": action, "ref": ref}
        if isinstance(result, dict):
            ack["result"] = result
        await self.send_json(ack)

    def run(self, handler: Handler, content: dict[str, Any]) -> Any:
        # Access was checked again before this frame (council/sockets.py); the services
        # re-read the state.
        sitting = Sitting.objects.select_related("assembly", "current_item", "chair").get(
            pk=self.sitting_id
        )
        return handler(self, sitting, content)

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def dispatch(self, message: dict[str, Any]) -> None:
        # A group event is forwarded as it is: no database, so none of the thread hop that
        # Channels makes before each handler to close stale connections (a hop per client
        # per event, through one shared thread, was most of the fan-out time).
        relay.taken(self, message)
        if message["type"] == "relay.event":
            await self.relay_event(message)
            return
        if message["type"] == "relay.each":  # its own frame, if there is one for it
            text = own_text(message, self.own_key, self.channel_name)
            if text is not None:
                await self.send(text_data=text)
            return
        with relay.handling(self):
            await super().dispatch(message)

    async def relay_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])


def _well_formed(text: str | None) -> dict[str, Any] | None:
    """A well-formed frame, else None (its refusal comes the usual way)."""
    try:
        content = action_frame(text, MAX_FRAME)
        parse_ref(content.get("ref"))
    except InvalidInput:
        return None
    return content


def _member(sitting: Sitting, content: dict[str, Any], key: str = "member") -> Member:
    return parse_member(sitting.assembly, content.get(key), field=key)


def _item(sitting: Sitting, content: dict[str, Any]) -> AgendaItem:
    return item_in(sitting, content.get("item"))


def _own_member(consumer: SittingConsumer, sitting: Sitting) -> Member:
    return access_member(consumer.user, sitting, _("Only a member of the council can do this."))


class PublicConsumer(SittingConsumer):
    role = Role.PUBLIC
    actions = {}

    async def connect(self) -> None:
        await super().connect()
        if getattr(self, "groups_joined", None):
            self.counted = True
            await viewer_joined(self.sitting_id, self.channel_name)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if getattr(self, "counted", False):
            await viewer_left(self.sitting_id, self.channel_name)

    def group_names(self, sitting: Sitting) -> list[str]:
        return [public_group(sitting.id)]

    def snapshot(self, sitting: Sitting) -> dict[str, Any]:
        return public_snapshot(sitting)


def _declared(m: dict[str, Any]) -> bool:
    return parse_flag(m.get("declared"), field="declared", default=True)


def _own_interest(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> None:
    fn = services.interest_declare if _declared(m) else services.interest_withdraw
    fn(item=_item(s, m), member=_own_member(c, s), user=c.user)


class SeatConsumer(SittingConsumer):
    role = Role.MEMBER
    actions = {
        "raise_hand": lambda c, s, m: services.hand_raise(sitting=s, member=_own_member(c, s)),
        "lower_hand": lambda c, s, m: services.hand_lower(sitting=s, member=_own_member(c, s)),
        "interest": _own_interest,
    }

    async def ballot(self, content: dict[str, Any]) -> None:
        """A ballot, cast with the others of the sitting arriving meanwhile."""
        arrival = intake.Arrival(self.user, self.session_ref(), content, self.channel_name)
        outcome = await intake.ballot_arrived(self.sitting_id, arrival)
        if isinstance(outcome, intake.Closing):
            await self._refuse(outcome.error)
        else:
            await self.answer("ballot", content.get("ref"), outcome)

    together = {"ballot": ballot}

    async def connect(self) -> None:
        """Also joins the group of the sitting's seat pages, each taking its own member's
        frames (voting/seat_events.py)."""
        await super().connect()
        if not getattr(self, "groups_joined", None):
            return
        member_id = await in_thread_pool(self.member_id)()
        if member_id is not None:
            self.own_key = str(member_id)
            group = seats_own_group(self.sitting_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    def member_id(self) -> int | None:
        assembly_id = Sitting.objects.values_list("assembly_id", flat=True).get(pk=self.sitting_id)
        member = member_of(self.user, assembly_id)
        return None if member is None else member.pk

    def snapshot(self, sitting: Sitting) -> dict[str, Any]:
        """Adds the names in which this member has voted in the current vote (own and
        by proxy), so that a reconnecting seat knows what it already did."""
        state = seat_view(chair_snapshot(sitting))
        member = member_of(self.user, sitting.assembly_id)
        state["my_ballots"] = my_ballots(sitting, member)
        return state


def _interest(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> None:
    fn = services.interest_declare if _declared(m) else services.interest_withdraw
    fn(item=_item(s, m), member=_member(s, m), user=c.user)


def _open(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> None:
    """R2: outside the convened time, "open_anyway" with a "reason" (sessions.services)."""
    services.sitting_open(
        sitting=s,
        user=c.user,
        open_anyway=parse_flag(m.get("open_anyway"), field="open_anyway", default=False),
        reason=parse_text(m.get("reason"), field="reason", max_length=500),
    )


def _attendance(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> None:
    services.attendance_record(
        sitting=s,
        member=_member(s, m),
        kind=parse_text(m.get("kind"), field="kind", max_length=20),
        mode=parse_text(m.get("mode"), field="mode", max_length=20, default="chamber"),
        room=optional_room_in(s.assembly, m.get("room")),
        user=c.user,
    )


def _attendance_all(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> dict[str, int]:
    """The roll call's "all present" (sessions/services/roll_call.py)."""
    return attendance_all_present(sitting=s, user=c.user)


def _policing(fn: Callable[..., Any]) -> Handler:
    """R24: a call to order or an expulsion of a member, with its reason
    (sessions/services/policing.py)."""

    def handler(c: SittingConsumer, s: Sitting, m: dict[str, Any]) -> None:
        fn(
            sitting=s,
            member=_member(s, m),
            reason=parse_text(m.get("reason"), field="reason", max_length=500),
            user=c.user,
        )

    return handler


class RollConsumer(SittingConsumer):
    """The roll kept by the secretary agent of a remote room (R27) or the clerk."""

    role = Role.ATTENDANCE
    actions = {"attendance": _attendance, "attendance_all": _attendance_all}

    def group_names(self, sitting: Sitting) -> list[str]:
        return [desk_group(sitting.id)]


class ChairConsumer(SittingConsumer):
    role = Role.CHAIR

    def group_names(self, sitting: Sitting) -> list[str]:
        return [desk_group(sitting.id)]

    actions = {
        "open": _open,
        "suspend": lambda c, s, m: services.sitting_suspend(sitting=s, user=c.user),
        "resume": lambda c, s, m: services.sitting_resume(sitting=s, user=c.user),
        "close": lambda c, s, m: services.sitting_close(sitting=s, user=c.user),
        "take_up": lambda c, s, m: services.item_take_up(sitting=s, item=_item(s, m), user=c.user),
        "secretary": lambda c, s, m: services.secretary_name(
            sitting=s, member=_member(s, m), user=c.user
        ),
        "attendance": _attendance,
        "attendance_all": _attendance_all,
        "give_floor": lambda c, s, m: services.floor_give(
            sitting=s, request_id=parse_id(m.get("request"), field="request"), user=c.user
        ),
        "end_floor": lambda c, s, m: services.floor_end(sitting=s, user=c.user),
        "urgency": lambda c, s, m: services.urgency_decide(
            sitting=s, accepted=parse_flag(m.get("accepted"), field="accepted"), user=c.user
        ),
        "interest": _interest,
        "call_to_order": _policing(services.member_call_to_order),
        "expel": _policing(services.member_expel),
        **voting_actions.CHAIR_ACTIONS,
        "closed_session_leave": lambda c, s, m: services.closed_session_leave(
            sitting=s, user=c.user
        ),
    }
