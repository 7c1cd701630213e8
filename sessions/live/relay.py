"""The live events' short way through a Daphne process, on the Redis pub/sub channel layer.

A group's event reaches each process once from Redis; Channels then puts it in the queue of
each of the group's sockets in the process, and each socket's task wakes up, decodes it,
dispatches it and writes it: a task switch, a decoding and a dispatch per socket, most of
the time a fan-out to 1,000 sockets took. The relay events of a socket that `follow`s this
module skip that: the event is decoded once, and one task writes it to every socket it is
for, one after the other, in the order the events came. A "relay.each" message (a frame
per member: council.events.each_message) takes the same way, each socket writing its own.

Order is kept per socket: its relay event takes the short way only once the socket is
`live` (its first snapshot sent: an event that comes before waits in the queue, behind the
snapshot), while nothing of the socket waits in its queue (`SittingConsumer.dispatch`
counts what it takes out) and while the socket handles nothing else (an action's frame
waiting for its service: its acknowledgement comes before the events it caused). Other
channel layers (in memory: the tests' and a demo's without Redis) keep Channels' own way,
as does every message that is not a relay event."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from channels_redis.pubsub import RedisPubSubChannelLayer

from council.events import own_text

logger = logging.getLogger(__name__)


class Follower(Protocol):
    channel_layer: Any
    channel_name: str
    own_key: str | None  # which frame of a "relay.each" message is its own (a seat's member)
    live: bool  # its first snapshot is sent
    queued: int  # messages put in its queue and not dispatched yet
    busy: int  # messages being handled (an action's frame waiting for its service)

    async def send(self, text_data: str | None = None) -> None: ...


# Per event loop (one in a server; a test may run several): the events waiting to be
# written, and whether a task is writing them.
_pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[tuple[Follower, str]]] = (
    weakref.WeakKeyDictionary()
)
_decoded: list[Any] = [None, None]  # the last message's bytes and what they decode to
written = {"events": 0}  # relay events written the short way by this process (a figure)


def follow(consumer: Follower) -> None:
    """Take the short way for `consumer`'s relay events, if its layer is Redis pub/sub."""
    consumer.live, consumer.queued = False, 0
    layer = consumer.channel_layer
    if not isinstance(layer, RedisPubSubChannelLayer):
        return
    queue = layer._get_layer().channels.get(consumer.channel_name)
    if queue is None:
        return
    queued = queue.put_nowait

    def put_nowait(data: bytes) -> None:
        if consumer.live and not consumer.queued and not consumer.busy:
            message = _decode(layer, data)
            kind = message.get("type")
            if kind == "relay.event":
                _write_later(consumer, message["text"])
                return
            if kind == "relay.each":  # its own frame, if the message has one for it
                text = own_text(message, consumer.own_key, consumer.channel_name)
                if text is not None:
                    _write_later(consumer, text)
                return
        consumer.queued += 1
        queued(data)

    queue.put_nowait = put_nowait


@contextmanager
def handling(consumer: Follower) -> Iterator[None]:
    """The consumer handles a message other than a relay event: its relay events wait in
    its queue meanwhile, as they did (an action's acknowledgement before the events the
    action caused)."""
    consumer.busy = getattr(consumer, "busy", 0) + 1
    try:
        yield
    finally:
        consumer.busy -= 1


def taken(consumer: Follower, message: dict[str, Any]) -> None:
    """`message` was taken out of the consumer's queue (not one of its websocket's)."""
    if getattr(consumer, "queued", 0) and not message["type"].startswith("websocket."):
        consumer.queued -= 1


def _decode(layer: RedisPubSubChannelLayer, data: bytes) -> dict[str, Any]:
    """A group's message comes to each of its sockets as the same bytes: decoded once."""
    if _decoded[0] is not data:
        _decoded[:] = [data, layer.deserialize(data)]
    message: dict[str, Any] = _decoded[1]
    return message


def _write_later(consumer: Follower, text: str) -> None:
    loop = asyncio.get_running_loop()
    pending = _pending.get(loop)
    if pending is None:  # no task writing on this loop: one starts
        pending = _pending[loop] = []
        loop.create_task(_write(loop, pending))
    pending.append((consumer, text))


async def _write(loop: asyncio.AbstractEventLoop, pending: list[tuple[Follower, str]]) -> None:
    """Every pending event to its socket, in order (a send to a Daphne socket does not
    wait: the text goes to Twisted's buffer)."""
    try:
        while pending:
            batch = pending[:]
            del pending[:]
            for consumer, text in batch:
                try:
                    await consumer.send(text_data=text)
                    written["events"] += 1
                except Exception:  # a socket closing meanwhile; the others still get it
                    logger.debug("relay to %s failed", consumer.channel_name, exc_info=True)
    finally:
        if _pending.get(loop) is pending:
            del _pending[loop]
