"""The public page's live state through nginx (nchan), beside the HLS: after each commit,
the public frame that the public group gets (sessions.live.fanout, sessions.live.ballots)
is also published, once, to nginx's nchan publisher on the loopback; nginx keeps the
latest frame of each channel and pushes it to every citizen's EventSource, so the public
page needs no Python websocket per citizen (deploy/nginx/seance.conf, README "The public
page at scale").

Two channels per sitting: `<id>` holds the latest public snapshot (every frame of the
fan-out carries the whole public state, R25 applied), `<id>-count` the latest coalesced
ballot count. A viewer who arrives or reconnects gets the newest frame of each at once.

Off unless SEANCE_PUBLIC_FEED_PUBLISH_URL is set (the embedded default: the websocket).
A publish never breaks the service: it times out after PUBLISH_TIMEOUT and is logged."""

from __future__ import annotations

import asyncio
import http.client
import logging
import threading
import time
import urllib.parse

from django.conf import settings

from ..realtime import public_group

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 1.0  # seconds: a publish that takes longer is dropped and logged
_local = threading.local()  # one keep-alive connection to nginx per thread


def enabled() -> bool:
    return bool(settings.SEANCE_PUBLIC_FEED_PUBLISH_URL)


def subscribe_url(sitting_id: int) -> str:
    """Where the public page follows the sitting (EventSource), or "" for its websocket."""
    if not enabled() or not settings.SEANCE_PUBLIC_FEED_URL:
        return ""
    return str(settings.SEANCE_PUBLIC_FEED_URL).format(sitting=sitting_id)


def publish_state(sitting_id: int, text: str) -> None:
    """The public frame of a committed change (its snapshot inside), to the sitting's
    channel."""
    if enabled():
        publish(str(sitting_id), text)


async def publish_count(group: str, text: str) -> None:
    """A coalesced ballot count sent to `group`: if that is a public group, to the
    sitting's count channel too, off the server's loop."""
    if not enabled() or not group.endswith("-public"):
        return
    sitting_id = group.removeprefix("sitting-").removesuffix("-public")
    if sitting_id.isdigit() and group == public_group(int(sitting_id)):
        await asyncio.to_thread(publish, f"{sitting_id}-count", text)


def publish(channel: str, text: str) -> bool:
    """POST `text` to the nchan channel; False (and a warning) if nginx did not take it."""
    url = urllib.parse.urlsplit(f"{settings.SEANCE_PUBLIC_FEED_PUBLISH_URL.rstrip('/')}/")
    began = time.monotonic()
    for attempt in (1, 2):  # a kept connection that nginx closed meanwhile: once more
        try:
            status = _post(url, f"{url.path}{channel}", text.encode())
        except (OSError, http.client.HTTPException) as exc:
            _drop_connection()
            if attempt == 2 or time.monotonic() - began > PUBLISH_TIMEOUT:
                logger.warning("public feed: publish to %s failed: %s", channel, exc)
                return False
            continue
        if status in (200, 201, 202):
            return True
        logger.warning("public feed: nginx answered %s to a publish to %s", status, channel)
        return False
    return False


def _post(url: urllib.parse.SplitResult, path: str, body: bytes) -> int:
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "netloc", None) != url.netloc:
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80)
        conn.timeout = PUBLISH_TIMEOUT
        _local.conn, _local.netloc = conn, url.netloc
    headers = {"Content-Type": "application/json", "Accept": "text/json"}
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _drop_connection() -> None:
    conn = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
    _local.conn = None
