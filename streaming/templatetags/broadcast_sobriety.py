"""The broadcast's sobriety on the public player: what one viewer downloads in an hour of
each rendition (streaming.hls.SegmentTally, as the runner's health last reported it)."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Broadcast
from ..regie import sobriety

register = template.Library()


@register.inclusion_tag("streaming/_sobriety.html")
def sobriety_note(sitting_id: int) -> dict[str, Any]:
    broadcast = Broadcast.objects.filter(sitting_id=sitting_id).first()
    return {"sobriety": sobriety(broadcast) if broadcast else []}
