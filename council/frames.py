"""Reading one client message of a websocket surface: a JSON text frame of bounded size
holding an object with an "action". Every surface answers a refusal with an error frame."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput


def action_frame(text_data: str | None, limit: int) -> dict[str, Any]:
    """The message, or InvalidInput with the code the client is told."""
    if text_data is None or len(text_data) > limit:
        raise InvalidInput(
            _("Send one JSON text frame of at most %(size)s KiB.") % {"size": limit // 1024},
            code="invalid_frame",
        )
    try:
        content = json.loads(text_data)
    except ValueError:
        raise InvalidInput(_("The message is not valid JSON."), code="invalid_json") from None
    if not isinstance(content, dict) or not isinstance(content.get("action"), str):
        raise InvalidInput(_('The message needs an "action".'), code="invalid_message")
    return content
