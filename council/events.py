"""Sends to the pages' socket groups: at once from a domain event's subscriber (which runs
after the commit: council.domain_events), or queued for the commit from a service."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction


def frame_text(event_type: str, payload: dict[str, Any]) -> str:
    """The text a page's socket receives: {"type": event_type, ...payload}, serialised once
    for every client of a group rather than once per client by every consumer."""
    return json.dumps({"type": event_type, **payload}, cls=DjangoJSONEncoder)


def send_event(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send {"type": event_type, ...payload} to `group` now."""
    text = frame_text(event_type, payload)
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "relay.event", "text": text})


def send_event_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Queue `payload` for `group` once the current transaction commits.

    `event_type` carries the app prefix (`sittings.item_taken_up`). Consumers
    forward it to their clients as {"type": event_type, ...payload}.
    """
    text = frame_text(event_type, payload)
    message = {"type": "relay.event", "text": text}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)

    transaction.on_commit(send)


def each_message(texts: dict[str, str], skip: list[str]) -> dict[str, Any]:
    """One group message that carries a frame per page key (a member's id: every seat page
    of that member takes it, sessions.consumers), none for the sockets in `skip` (those
    that already know: a ballot's own socket has its acknowledgement). One trip through
    Redis for a whole batch of members instead of one per member; the frames never leave
    the server but to their own pages."""
    return {"type": "relay.each", "texts": texts, "skip": skip}


def own_text(message: dict[str, Any], key: str | None, channel: str) -> str | None:
    """The frame of an `each_message` for the page of `key` on `channel`, if any."""
    if key is None or channel in message.get("skip", ()):
        return None
    text = message.get("texts", {}).get(key)
    return text if isinstance(text, str) else None
