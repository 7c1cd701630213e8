"""TURN credentials for the councillors' browsers: time-limited, per user and sitting.

coturn runs with ``use-auth-secret`` (deploy/coturn/turnserver.conf): it accepts any
username of the form ``<expiry>:<anything>`` whose password is
``base64(HMAC-SHA1(static-auth-secret, username))`` while the Unix time ``expiry`` has not
passed (the "TURN REST API" scheme of draft-uberti-behave-turn-rest-00, which coturn
implements). Django shares the secret (``SEANCE_TURN_SECRET``) and mints a username
``<expiry>:<user id>-<sitting id>`` for each councillor joining a sitting's video, so that
coturn's log names who relayed what, and a credential leaked from one browser stops working
after ``SEANCE_TURN_TTL`` seconds. The credentials travel in the video websocket's
``joined`` frame only, never in a page, and no static TURN password exists anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings


def turn_username(user_id: int, sitting_id: int, *, now: float | None = None) -> str:
    """``<expiry>:<user id>-<sitting id>``: coturn reads the expiry before the colon."""
    expiry = int(now if now is not None else time.time()) + settings.SEANCE_TURN_TTL
    return f"{expiry}:{user_id}-{sitting_id}"


def turn_password(secret: str, username: str) -> str:
    """coturn's check: base64 of the HMAC-SHA1 of the username keyed by the shared secret."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(user_id: int, sitting_id: int, *, now: float | None = None) -> list[dict[str, Any]]:
    """The ``iceServers`` of the browser's RTCPeerConnection: the TURN URLs of
    ``SEANCE_TURN_URLS`` with a credential of this user for this sitting, or nothing when
    no TURN server is configured (the browser then uses its host candidates only)."""
    urls = list(settings.SEANCE_TURN_URLS)
    if not urls or not settings.SEANCE_TURN_SECRET:
        return []
    username = turn_username(user_id, sitting_id, now=now)
    return [
        {
            "urls": urls,
            "username": username,
            "credential": turn_password(settings.SEANCE_TURN_SECRET, username),
        }
    ]
