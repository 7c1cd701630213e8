"""Groups and events of a sitting's live surfaces."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from council.events import send_event_on_commit

from .models import Sitting
from .selectors import chair_snapshot, public_snapshot, sitting_facts

# Sent inside the service's transaction with (sitting, event, data): the broadcast follows
# the sitting (slate on suspension and closed session, the speaker's camera) through it.
sitting_event = Signal()


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


def broadcast(sitting: Sitting, event: str, **data: Any) -> None:
    """Send `sittings.<event>` (or `app.event` as given) with fresh snapshots: the full one
    to the desk (chair, clerk, roll keepers), the seats' one to the members, the public one
    to the public page. Call from a service, inside its transaction."""
    event_type = event if "." in event else f"sittings.{event}"
    sitting_event.send(sender=Sitting, sitting=sitting, event=event, data=data)
    facts = sitting_facts(sitting)
    full = chair_snapshot(sitting, facts)
    send_event_on_commit(desk_group(sitting.id), event_type, {"data": data, "state": full})
    send_event_on_commit(
        private_group(sitting.id), event_type, {"data": data, "state": seat_view(full)}
    )
    public_data = {} if sitting.in_closed_session else data
    send_event_on_commit(
        public_group(sitting.id),
        event_type,
        {"data": public_data, "state": public_snapshot(sitting, facts)},
    )
