"""Groups and events of a sitting's live surfaces."""

from __future__ import annotations

from typing import Any

from council.events import send_event_on_commit

from .models import Sitting
from .selectors import chair_snapshot, public_snapshot, sitting_facts


def private_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}"


def public_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}-public"


def desk_group(sitting_id: int) -> str:
    """The chair's and the clerk's dashboards: fine-grained events not worth sending to
    every seat and every viewer (each ballot as it is cast)."""
    return f"sitting-{sitting_id}-desk"


def broadcast(sitting: Sitting, event: str, **data: Any) -> None:
    """Send `sittings.<event>` (or `app.event` as given) with fresh snapshots: the full one
    to members and staff, the public one to the public page. Call from a service, inside its
    transaction."""
    event_type = event if "." in event else f"sittings.{event}"
    facts = sitting_facts(sitting)
    send_event_on_commit(
        private_group(sitting.id),
        event_type,
        {"data": data, "state": chair_snapshot(sitting, facts)},
    )
    public_data = {} if sitting.in_closed_session else data
    send_event_on_commit(
        public_group(sitting.id),
        event_type,
        {"data": public_data, "state": public_snapshot(sitting, facts)},
    )
