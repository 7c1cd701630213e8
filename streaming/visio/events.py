"""The sitting's events that the councillors' video follows: the floor given and ended,
and the close. Every video socket of the sitting hears them; each process's meeting acts
once. One handler per domain event, after the sitting's commit."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from council import domain_events as de
from council.domain_events import subscribe


def visio_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}-visio"


def connect() -> None:
    """Subscribe the video meeting to the floor (from StreamingConfig.ready)."""
    subscribe(de.FloorGiven, floor_given)
    subscribe(de.FloorEnded, floor_ended)
    subscribe(de.SittingClosed, sitting_closed)


def floor_given(event: de.FloorGiven) -> None:
    """The speaker's microphone opens in the meeting."""
    _floor(event.sitting_id, event.member)


def floor_ended(event: de.FloorEnded) -> None:
    _floor(event.sitting_id, None)


def sitting_closed(event: de.SittingClosed) -> None:
    _floor(event.sitting_id, None)


def _floor(sitting_id: int, member: int | None) -> None:
    message: dict[str, Any] = {"type": "visio.floor", "member": member}
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(visio_group(sitting_id), message)
