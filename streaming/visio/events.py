"""The sitting's events that the councillors' video follows: the floor given and ended.
Every video socket of the sitting hears them; each process's meeting acts once."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import receiver

from sessions.models import Sitting
from sessions.realtime import sitting_event


def visio_group(sitting_id: int) -> str:
    return f"sitting-{sitting_id}-visio"


@receiver(sitting_event, dispatch_uid="streaming.visio.follow_floor")
def follow_floor(sender: Any, sitting: Sitting, event: str, data: dict[str, Any], **_: Any) -> None:
    if event not in ("floor_given", "floor_ended", "closed"):
        return
    message = {"type": "visio.floor", "member": data["member"] if event == "floor_given" else None}

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(visio_group(sitting.pk), message)

    transaction.on_commit(send)
