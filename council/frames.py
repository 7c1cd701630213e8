"""Reading one client message of a websocket surface: a JSON text frame of bounded size
holding an object with an "action". Every surface answers a refusal with an error frame.

The same bounded reading serves the REST API's bodies (council.api.JSONParser): Python's
json module recurses once per level of nesting, so a text nested some thousands deep
raises RecursionError, a crash instead of a refusal. The nesting is measured first,
without recursion, and a message deeper than MAX_DEPTH is refused before it is decoded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from council.errors import CouncilErrorCode, InvalidInput

MAX_DEPTH = 32  # no message of ours nests more than 4 deep

# A JSON string (its escapes included), then any bracket outside strings.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, counted in one pass without
    recursion (the brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def json_loads(text: str) -> Any:
    """A JSON text decoded, or InvalidInput: not JSON, or nested deeper than MAX_DEPTH.
    NaN and Infinity, which are not JSON, are refused too."""
    if nesting_depth(text) > MAX_DEPTH:
        raise InvalidInput(
            _("The message nests more than %(n)s levels deep.") % {"n": MAX_DEPTH},
            code=CouncilErrorCode.TOO_DEEP,
        )
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise InvalidInput(
            _("The message is not valid JSON."), code=CouncilErrorCode.INVALID_JSON
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def action_frame(text_data: str | None, limit: int) -> dict[str, Any]:
    """The message, or InvalidInput with the code the client is told."""
    if text_data is None or len(text_data) > limit:
        raise InvalidInput(
            _("Send one JSON text frame of at most %(size)s KiB.") % {"size": limit // 1024},
            code=CouncilErrorCode.INVALID_FRAME,
        )
    content = json_loads(text_data)
    if not isinstance(content, dict) or not isinstance(content.get("action"), str):
        raise InvalidInput(
            _('The message needs an "action".'), code=CouncilErrorCode.INVALID_MESSAGE
        )
    return content
