"""The domain events: what happened in a sitting, heard once its transaction commits.

A service publishes one of these (`publish`) as its last step, inside its transaction;
the event reaches its subscribers once that transaction commits, and never if it rolls
back (as Zulip's send_event_on_commit). The live pages (sessions.live), the broadcast
direction (streaming.direction) and the video meeting (streaming.visio.events) subscribe
in their app's AppConfig.ready, one handler per event class; a handler that fails is
logged and the others still run.

Each class names the event its pages already hear (`wire`, "sittings.floor_given"...);
its fields but the sitting are the `data` those pages get. An event carries ids and plain
values only, never a model: its handlers read the committed state themselves, unless its
service `attach`ed what it read of that state under the sitting's lock (the handlers in
the same process then skip a read of the same rows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

_BY_WIRE: dict[str, type[DomainEvent]] = {}


@dataclass(frozen=True)
class DomainEvent:
    sitting_id: int
    wire: ClassVar[str] = ""  # the event's name on the pages' sockets

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.wire or cls.wire in _BY_WIRE:
            raise TypeError(f"{cls.__name__}: a missing or duplicate wire name {cls.wire!r}")
        _BY_WIRE[cls.wire] = cls

    def data(self) -> dict[str, Any]:
        """What the pages receive beside the snapshot: the fields but the sitting; an
        optional field left unset (None by default) is omitted."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "sitting_id" and not (f.default is None and getattr(self, f.name) is None)
        }


def event_class(wire: str) -> type[DomainEvent]:
    """The event class of a wire name; an unknown name is an error (KeyError)."""
    try:
        return _BY_WIRE[wire]
    except KeyError:
        raise KeyError(f"no domain event is named {wire!r}") from None


def wire_names() -> frozenset[str]:
    return frozenset(_BY_WIRE)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]

_handlers: dict[type[DomainEvent], list[Handler]] = {}
_recorders: dict[type[DomainEvent], list[Handler]] = {}


def _checked(event_class: Any) -> None:
    if not (isinstance(event_class, type) and issubclass(event_class, DomainEvent)):
        raise TypeError(f"{event_class!r} is not a domain event")
    if event_class is DomainEvent:
        raise TypeError("subscribe to an event class, not to every event")


def subscribe(event_class: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` after the commit of each `event_class` published (once, however
    often it is subscribed: AppConfig.ready may run again in tests)."""
    _checked(event_class)
    handlers = _handlers.setdefault(event_class, [])
    if handler not in handlers:
        handlers.append(handler)


def record_with(event_class: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` when `event_class` is published, inside the publishing
    service's transaction: for a record that must stand or fall with the change (the
    minutes' deliberations at the close). Its failure is the service's: the whole change
    rolls back. A layer above the service records this way without being imported by it."""
    _checked(event_class)
    recorders = _recorders.setdefault(event_class, [])
    if handler not in recorders:
        recorders.append(handler)


def unsubscribe(event_class: type[E], handler: Callable[[E], None]) -> None:
    if handler in _handlers.get(event_class, ()):
        _handlers[event_class].remove(handler)


def attach(event: E, **read: Any) -> E:
    """`event` with what its service read, under the sitting's lock and after its last
    write, of the state it commits (`facts=`: sessions.selectors.sitting_facts), for the
    handlers in this process to use instead of reading it again after the commit. Never
    the event's data: not in `data()`, not compared, not on the wire."""
    object.__setattr__(event, "_read", read)
    return event


def attached(event: DomainEvent, name: str) -> Any:
    """What the service attached to `event` under `name`, or None."""
    read: dict[str, Any] = getattr(event, "_read", {})
    return read.get(name)


def publish(event: DomainEvent) -> None:
    """Run the event's recorders now, in the current transaction, then hand it to its
    subscribers once that transaction commits."""
    if not isinstance(event, DomainEvent) or type(event) is DomainEvent:
        raise TypeError(f"{event!r} is not a domain event")
    for recorder in list(_recorders.get(type(event), ())):
        recorder(event)
    transaction.on_commit(lambda: dispatch(event))


def dispatch(event: DomainEvent) -> None:
    """Run each handler of the event in turn, after the commit; a failure is logged."""
    for handler in list(_handlers.get(type(event), ())):
        try:
            handler(event)
        except Exception:
            logger.exception("%s: handler %s failed", event.wire, handler.__qualname__)


# The sitting's course (R7, R11, R23, R25)


@dataclass(frozen=True)
class SittingConvened(DomainEvent):
    wire = "sittings.convened"


@dataclass(frozen=True)
class SecretaryNamed(DomainEvent):
    secretary: str
    wire = "sittings.secretary_named"


@dataclass(frozen=True)
class SittingOpened(DomainEvent):
    wire = "sittings.opened"


@dataclass(frozen=True)
class SittingSuspended(DomainEvent):
    wire = "sittings.suspended"


@dataclass(frozen=True)
class SittingResumed(DomainEvent):
    wire = "sittings.resumed"


@dataclass(frozen=True)
class SittingClosed(DomainEvent):
    wire = "sittings.closed"


@dataclass(frozen=True)
class SittingAdjourned(DomainEvent):
    """R12: no quorum; the second convocation is `second_sitting`."""

    second_sitting: int
    wire = "sittings.adjourned"


@dataclass(frozen=True)
class ItemTakenUp(DomainEvent):
    item: int
    quorum_reached: bool
    wire = "sittings.item_taken_up"


@dataclass(frozen=True)
class UrgencyDecided(DomainEvent):
    accepted: bool
    wire = "sittings.urgency_decided"


@dataclass(frozen=True)
class ClosedSessionEntered(DomainEvent):
    vote: int
    wire = "sittings.closed_session_entered"


@dataclass(frozen=True)
class ClosedSessionRejected(DomainEvent):
    vote: int
    wire = "sittings.closed_session_rejected"


@dataclass(frozen=True)
class ClosedSessionLeft(DomainEvent):
    wire = "sittings.closed_session_left"


# Presence, proxies, interests, policing (R10, R14, R24)


@dataclass(frozen=True)
class AttendanceChanged(DomainEvent):
    """One member's arrival or departure (`left_queue` on a departure), or the roll's
    arrivals at once (`members`)."""

    kind: str
    mode: str
    member: int | None = None
    members: tuple[int, ...] | None = None
    left_queue: bool | None = None
    wire = "sittings.attendance_changed"


@dataclass(frozen=True)
class ProxyChanged(DomainEvent):
    proxy: int
    wire = "sittings.proxy_changed"


@dataclass(frozen=True)
class InterestChanged(DomainEvent):
    item: int
    member: int
    wire = "sittings.interest_changed"


@dataclass(frozen=True)
class CalledToOrder(DomainEvent):
    member: int
    measure: int
    wire = "sittings.called_to_order"


@dataclass(frozen=True)
class MemberExpelled(DomainEvent):
    member: int
    measure: int
    wire = "sittings.member_expelled"


# The floor


@dataclass(frozen=True)
class HandRaised(DomainEvent):
    member: int
    wire = "sittings.hand_raised"


@dataclass(frozen=True)
class HandLowered(DomainEvent):
    member: int
    wire = "sittings.hand_lowered"


@dataclass(frozen=True)
class FloorGiven(DomainEvent):
    member: int
    name: str
    wire = "sittings.floor_given"


@dataclass(frozen=True)
class FloorEnded(DomainEvent):
    member: int
    seconds: int | None
    wire = "sittings.floor_ended"


# Votes (R15-R21)


@dataclass(frozen=True)
class ItemPostponed(DomainEvent):
    """R27: a secret ballot asked for in a teleconference sitting postpones the item."""

    item: int
    wire = "sittings.item_postponed"


@dataclass(frozen=True)
class SecretBallotRequested(DomainEvent):
    item: int
    wire = "sittings.secret_ballot_requested"


@dataclass(frozen=True)
class SecretWaiverDecided(DomainEvent):
    """R18: the unanimous decision to vote a nomination in public (or its refusal)."""

    item: int
    waived: bool
    wire = "sittings.secret_waiver"


@dataclass(frozen=True)
class VoteOpened(DomainEvent):
    vote: int
    wire = "voting.vote_opened"


@dataclass(frozen=True)
class VoteClosed(DomainEvent):
    vote: int
    wire = "voting.vote_closed"


@dataclass(frozen=True)
class BallotCast(DomainEvent):
    """A ballot (or a secret participation) recorded in `member`'s name: the pages get the
    count, not the ballot (sessions.live.ballots)."""

    vote: int
    member: int
    wire = "voting.ballot_cast"
