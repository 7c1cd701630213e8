"""An asyncio client of the Janus API over its WebSockets transport, as Django (Daphne)
uses it: one connection carries the sessions, each request carries a transaction id and
its answer is matched back; plugin events are queued per handle.

On top of it: the plugins' administration (admin.py: rooms and mountpoints, which need
the plugins' admin_key) and `peer.PeerHandle`, one participant's handle through which
Django relays the browser's SDP and ICE candidates. Browsers never talk to the Janus API.

Settings come from the environment (names in JanusSettings); JanusProcess.environ()
gives them for a Janus it runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
WS_PROTOCOL = "janus-protocol"
VIDEOROOM = "janus.plugin.videoroom"
STREAMING = "janus.plugin.streaming"
KEEPALIVE_EVERY = 25.0  # Janus's session_timeout is 60 s by default
REQUEST_TIMEOUT = 10.0


class JanusError(Exception):
    """An error answered by Janus itself or by one of its plugins."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


# What ends a session or a handle that is already gone, or a Janus that is.
GONE = (JanusError, ConnectionError, ConnectionClosed, TimeoutError)


@dataclass(frozen=True)
class JanusSettings:
    url: str = "ws://127.0.0.1:8188/"
    api_secret: str | None = None
    admin_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> JanusSettings:
        env = os.environ if environ is None else environ
        return cls(
            url=env.get("SEANCE_JANUS_URL", cls.url),
            api_secret=env.get("SEANCE_JANUS_API_SECRET") or None,
            admin_key=env.get("SEANCE_JANUS_ADMIN_KEY") or None,
        )


@dataclass
class PluginReply:
    data: JsonDict
    jsep: JsonDict | None = None


def _transaction() -> str:
    return secrets.token_hex(8)


def _raise_for_janus(reply: JsonDict) -> None:
    if reply.get("janus") == "error":
        error = reply.get("error", {})
        raise JanusError(int(error.get("code", 0)), str(error.get("reason", "")))


def _plugin_reply(reply: JsonDict) -> PluginReply:
    _raise_for_janus(reply)
    data = reply.get("plugindata", {}).get("data", {})
    if "error_code" in data or "error" in data:
        raise JanusError(int(data.get("error_code", 0)), str(data.get("error", "")))
    return PluginReply(data=data, jsep=reply.get("jsep"))


class JanusConnection:
    """One websocket to Janus: requests are matched to answers by transaction; events
    (no transaction of ours, or an "event" after an "ack") go to their handle's queue."""

    def __init__(self, ws: ClientConnection, api_secret: str | None = None):
        self._ws = ws
        self._api_secret = api_secret
        self._pending: dict[str, asyncio.Future[JsonDict]] = {}
        self._awaits_event: set[str] = set()
        self._events: dict[int, asyncio.Queue[JsonDict]] = {}
        self.timeouts: set[int] = set()  # sessions Janus has ended for lack of keepalive
        self._reader = asyncio.create_task(self._read(), name="janus-reader")

    @classmethod
    async def open(cls, url: str, api_secret: str | None = None) -> JanusConnection:
        ws = await connect(url, subprotocols=[Subprotocol(WS_PROTOCOL)], max_size=2**22)
        return cls(ws, api_secret)

    async def close(self) -> None:
        await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    def events_of(self, handle_id: int) -> asyncio.Queue[JsonDict]:
        return self._events.setdefault(handle_id, asyncio.Queue())

    def forget(self, handle_id: int) -> None:
        self._events.pop(handle_id, None)

    async def request(
        self, payload: JsonDict, *, wait_event: bool = False, timeout: float = REQUEST_TIMEOUT
    ) -> JsonDict:
        """Send `payload` with a fresh transaction; return Janus's answer. With
        `wait_event`, an "ack" is skipped and the plugin's "event" for it awaited."""
        if self._reader.done():
            raise ConnectionError("Janus connection closed")
        transaction = _transaction()
        message = {**payload, "transaction": transaction}
        if self._api_secret:
            message["apisecret"] = self._api_secret
        future: asyncio.Future[JsonDict] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future
        if wait_event:
            self._awaits_event.add(transaction)
        try:
            await self._ws.send(json.dumps(message))
            reply = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(transaction, None)
            self._awaits_event.discard(transaction)
        _raise_for_janus(reply)
        return reply

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                self._dispatch(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("Janus connection closed"))

    def _dispatch(self, reply: JsonDict) -> None:
        transaction = reply.get("transaction")
        future = self._pending.get(transaction) if transaction else None
        if future is not None and not future.done():
            if not (reply.get("janus") == "ack" and transaction in self._awaits_event):
                future.set_result(reply)
            return
        sender, session = reply.get("sender"), reply.get("session_id")
        if sender is not None:
            self.events_of(int(sender)).put_nowait(reply)
        elif session is not None and reply.get("janus") == "timeout":
            self.timeouts.add(int(session))
        elif reply.get("janus") not in ("ack", "keepalive"):
            logger.debug("Janus message for nobody: %s", reply)


class JanusSession:
    """A Janus session, kept alive while it is open."""

    def __init__(self, connection: JanusConnection, session_id: int):
        self.connection = connection
        self.id = session_id
        self._keepalive = asyncio.create_task(self._keep_alive(), name=f"janus-{session_id}")

    @classmethod
    async def create(cls, connection: JanusConnection) -> JanusSession:
        reply = await connection.request({"janus": "create"})
        return cls(connection, int(reply["data"]["id"]))

    async def request(self, payload: JsonDict, **kwargs: Any) -> JsonDict:
        return await self.connection.request({**payload, "session_id": self.id}, **kwargs)

    async def attach(self, plugin: str) -> PluginHandle:
        reply = await self.request({"janus": "attach", "plugin": plugin})
        return PluginHandle(self, int(reply["data"]["id"]), plugin)

    @property
    def timed_out(self) -> bool:
        return self.id in self.connection.timeouts

    async def keepalive(self) -> None:
        await self.request({"janus": "keepalive"})

    async def destroy(self) -> None:
        self._keepalive.cancel()
        with contextlib.suppress(*GONE):
            await self.request({"janus": "destroy"})

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_EVERY)
            try:
                await self.keepalive()
            except GONE:
                logger.warning("Janus session %s lost", self.id)
                return


class PluginHandle:
    def __init__(self, session: JanusSession, handle_id: int, plugin: str):
        self.session = session
        self.id = handle_id
        self.plugin = plugin
        self.events = session.connection.events_of(handle_id)

    async def message(self, body: JsonDict, jsep: JsonDict | None = None) -> PluginReply:
        """A plugin request; synchronous requests answer at once, asynchronous ones
        (join, publish, configure, start) answer with an event after an ack."""
        payload: JsonDict = {"janus": "message", "handle_id": self.id, "body": body}
        if jsep is not None:
            payload["jsep"] = jsep
        reply = await self.session.request(payload, wait_event=True)
        return _plugin_reply(reply)

    async def trickle(self, candidate: JsonDict | None) -> None:
        """One browser candidate ({"candidate", "sdpMid", "sdpMLineIndex"}), or None
        when the browser has gathered them all."""
        payload = {"completed": True} if candidate is None else candidate
        await self.session.request({"janus": "trickle", "handle_id": self.id, "candidate": payload})

    async def next_event(self, timeout: float = REQUEST_TIMEOUT) -> JsonDict:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def detach(self) -> None:
        try:
            with contextlib.suppress(*GONE):
                await self.session.request({"janus": "detach", "handle_id": self.id})
        finally:
            self.session.connection.forget(self.id)


@contextlib.asynccontextmanager
async def janus_session(settings: JanusSettings | None = None) -> AsyncIterator[JanusSession]:
    settings = settings or JanusSettings.from_env()
    connection = await JanusConnection.open(settings.url, settings.api_secret)
    try:
        session = await JanusSession.create(connection)
        try:
            yield session
        finally:
            await session.destroy()
    finally:
        await connection.close()


def without_none(body: JsonDict) -> JsonDict:
    """A request body without its unset (None) fields: Janus takes them as given."""
    return {key: value for key, value in body.items() if value is not None}
