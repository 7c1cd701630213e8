"""Realtime events, sent only by services and only after the transaction commits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def send_event_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Queue `payload` for `group` once the current transaction commits.

    `event_type` carries the app prefix (`sittings.item_taken_up`). Consumers
    forward it to their clients as {"type": event_type, ...payload}.
    """
    message = {"type": "relay.event", "event": {"type": event_type, **payload}}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)

    transaction.on_commit(send)
