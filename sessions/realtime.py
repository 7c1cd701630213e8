"""The socket groups of a sitting's live surfaces, and the seats' view of the desk's
snapshot. The snapshots and their fan-out after each commit: sessions.live."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

from council.domain_events import event_class, publish

if TYPE_CHECKING:
    from .models import Sitting


def private_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}"


def public_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}-public"


def desk_group(sitting_id: int) -> str:
    """The chair's and the clerk's dashboards: fine-grained events not worth sending to
    every seat and every viewer (each ballot as it is cast)."""
    return f"sitting-{sitting_id}-desk"


DESK_ONLY = ("members", "proxies")


def seat_view(full: dict[str, Any]) -> dict[str, Any]:
    """The councillors' snapshot: the chair's without the roll and the proxies, which only
    the desk shows (a sixth of the bytes for 150 seats)."""
    return {key: value for key, value in full.items() if key not in DESK_ONLY}


# Until the last services committed with the old calls are committed with their typed
# events (the working tree has none left): the string names mapped onto the events, and
# the signal that nothing sends any more. To be deleted with them.
sitting_event = Signal()


def broadcast(sitting: Sitting, event: str, **data: Any) -> None:
    """Deprecated: publish(TheEvent(...)) (council.domain_events)."""
    wire = event if "." in event else f"sittings.{event}"
    publish(event_class(wire)(sitting.id, **data))  # type: ignore[call-arg]
