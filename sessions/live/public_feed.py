"""The public page's live state through nginx (nchan), beside the HLS: after each commit,
the public frame that the public group gets (sessions.live.fanout, sessions.live.ballots)
is also published, once, to nginx's nchan publisher on the loopback; nginx keeps the
latest frame of each channel and pushes it to every citizen's EventSource, so the public
page needs no Python websocket per citizen (deploy/nginx/seance.conf, README "The public
page at scale").

Two channels per sitting: `<id>` holds the latest public snapshot (every frame of the
fan-out carries the whole public state, R25 applied, or a change that a whole state
follows), `<id>-count` the latest coalesced ballot count. A viewer who arrives or
reconnects gets the newest frame of each at once.

Off unless SEANCE_PUBLIC_FEED_PUBLISH_URL is set (the embedded default: the websocket).
A publish never breaks nor slows the service: the commit's thread hands the frame to one
publishing thread per process, which times out after PUBLISH_TIMEOUT and logs a failure."""

from __future__ import annotations

import http.client
import logging
import os
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from ..realtime import public_group

logger = logging.getLogger(__name__)

# Seconds before a publish is given up and logged. nginx answers once it has handed the
# frame to the channel's subscribers: about 0.5 s for 10,000 on a busy 2-core server
# (bench/public_scale.py), on the publishing thread, never on the commit's.
PUBLISH_TIMEOUT = 5.0
_local = threading.local()  # one keep-alive connection to nginx per thread
_executor: tuple[int, ThreadPoolExecutor] | None = None  # (pid, its publishing thread)
_waiting: dict[str, tuple[str, str]] = {}  # channel -> (publisher URL, its newest frame)
_lock = threading.Lock()


def enabled() -> bool:
    return bool(settings.SEANCE_PUBLIC_FEED_PUBLISH_URL)


def subscribe_url(sitting_id: int) -> str:
    """Where the public page follows the sitting (EventSource), or "" for its websocket."""
    if not enabled() or not settings.SEANCE_PUBLIC_FEED_URL:
        return ""
    return str(settings.SEANCE_PUBLIC_FEED_URL).format(sitting=sitting_id)


def publish_state(sitting_id: int, text: str, *, whole: bool = True) -> None:
    """The public frame of a committed change (its snapshot inside; not `whole`: only the
    change, its snapshot following), to the sitting's channel: handed to this process's
    publishing thread, in order, so that the commit's request never waits on nginx (which
    answers once it has handed the frame to its subscribers: milliseconds per thousand)."""
    if enabled():
        _hand_over(str(sitting_id), text, whole)


def flush(timeout: float = 5.0) -> None:
    """Wait until the frames handed over so far are published (tests, benchmarks)."""
    _publisher().submit(lambda: None).result(timeout)


def _hand_over(channel: str, text: str, whole: bool = True) -> None:
    """To the publishing thread. A channel's frame still waiting there is replaced by a
    newer whole state; a change (not `whole`) that finds a frame waiting is dropped, as the
    whole state that follows it carries it too: however long nginx takes, the queue holds
    one frame per channel at most, and a change is never applied to a state it skipped."""
    url = str(settings.SEANCE_PUBLIC_FEED_PUBLISH_URL)
    publisher = _publisher()
    with _lock:
        waiting = channel in _waiting
        if waiting and not whole:
            return
        _waiting[channel] = (url, text)
    if not waiting:
        publisher.submit(_publish_waiting, channel)


def _publish_waiting(channel: str) -> None:
    with _lock:
        url, text = _waiting.pop(channel)
    publish(channel, text, url)


def _publisher() -> ThreadPoolExecutor:
    """One thread per process (made anew in a forked child, whose parent's thread is gone)."""
    global _executor
    if _executor is None or _executor[0] != os.getpid():
        _waiting.clear()
        _executor = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="public-feed"))
    return _executor[1]


async def publish_count(group: str, text: str) -> None:
    """A coalesced ballot count sent to `group`: if that is a public group, to the
    sitting's count channel too, by the publishing thread (never on the server's loop)."""
    if not enabled() or not group.endswith("-public"):
        return
    sitting_id = group.removeprefix("sitting-").removesuffix("-public")
    if sitting_id.isdigit() and group == public_group(int(sitting_id)):
        _hand_over(f"{sitting_id}-count", text)


def publish(channel: str, text: str, base: str = "") -> bool:
    """POST `text` to the nchan channel (publisher `base`, else the setting's); False, and
    a warning, if nginx did not take it."""
    base = base or str(settings.SEANCE_PUBLIC_FEED_PUBLISH_URL)
    url = urllib.parse.urlsplit(f"{base.rstrip('/')}/")
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
