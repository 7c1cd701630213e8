"""An asyncio client of the Janus API over its WebSockets transport, as Django (Daphne)
uses it: one connection carries the sessions, each request carries a transaction id and
its answer is matched back; plugin events are queued per handle.

On top of it: `VideoRoomAdmin` and `StreamingAdmin` (rooms and mountpoints, which need
the plugins' admin_key) and `PeerHandle`, one participant's handle through which Django
relays the browser's SDP and ICE candidates. Browsers never talk to the Janus API.

Settings come from the environment (names in JanusSettings); JanusProcess.environ()
gives them for a Janus it runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
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


def sdp_mids(sdp: str) -> dict[str, list[str]]:
    """The mids of an SDP by kind: {"audio": ["0"], "video": ["1"]}."""
    mids: dict[str, list[str]] = {}
    kind = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=mid:") and kind is not None:
            mids.setdefault(kind, []).append(line[6:].strip())
    return mids


def with_opus_dtx(sdp: str) -> str:
    """The description with `usedtx=1` on its Opus formats: the receiver's wish (RFC 7587)
    that the sender use Opus DTX. A browser given it in the answer to its offer sends a
    packet every 400 ms or so while its microphone is silent or closed, instead of 50 a
    second (Janus's own "opus_dtx" room option leaves its answers without it)."""
    lines = sdp.split("\r\n")
    opus = {
        line.split(":", 1)[1].split(" ", 1)[0]
        for line in lines
        if line.startswith("a=rtpmap:") and " opus/" in line.lower()
    }
    out: list[str] = []
    with_fmtp: set[str] = set()
    for line in lines:
        if line.startswith("a=fmtp:"):
            pt, _, params = line[7:].partition(" ")
            if pt in opus:
                with_fmtp.add(pt)
                if "usedtx=" not in params:
                    line = f"a=fmtp:{pt} {params};usedtx=1" if params else f"a=fmtp:{pt} usedtx=1"
        out.append(line)
    for pt in opus - with_fmtp:
        at = next(i for i, line in enumerate(out) if line.startswith(f"a=rtpmap:{pt} "))
        out.insert(at + 1, f"a=fmtp:{pt} usedtx=1")
    return "\r\n".join(out)


def _without_none(body: JsonDict) -> JsonDict:
    return {key: value for key, value in body.items() if value is not None}


@dataclass
class Forwarder:
    stream_id: int
    kind: str
    host: str
    port: int


@dataclass
class VideoRoomAdmin:
    """Room administration through one VideoRoom handle. Creating rooms and RTP
    forwarders needs the plugin's admin_key; the rest needs the room's secret."""

    handle: PluginHandle
    admin_key: str | None = None
    secrets: dict[int, str] = field(default_factory=dict)  # room -> secret, once created

    async def _ask(self, request: str, room: int, **body: Any) -> JsonDict:
        secret = self.secrets.get(room)
        payload = _without_none({"request": request, "room": room, "secret": secret, **body})
        return (await self.handle.message(payload)).data

    async def create_room(
        self,
        room: int,
        secret: str,
        *,
        pin: str | None = None,
        description: str | None = None,
        publishers: int = 12,
        videocodec: str = "vp8",
        audiocodec: str = "opus",
        bitrate: int = 512_000,
        audiolevel_event: bool = True,
        audio_active_packets: int = 50,
        audio_level_average: int = 40,
    ) -> JsonDict:
        """Simulcast is the browser's choice (three encodings in its offer); the room
        only caps the bitrate a publisher may send."""
        body = _without_none(
            {
                "request": "create",
                "room": room,
                "admin_key": self.admin_key,
                "secret": secret,
                "pin": pin,
                "description": description,
                "publishers": publishers,
                "videocodec": videocodec,
                "audiocodec": audiocodec,
                "bitrate": bitrate,
                "audiolevel_event": audiolevel_event,
                "audio_active_packets": audio_active_packets,
                "audio_level_average": audio_level_average,
                "permanent": False,
            }
        )
        data = (await self.handle.message(body)).data
        self.secrets[room] = secret
        return data

    async def destroy_room(self, room: int) -> None:
        await self._ask("destroy", room)
        self.secrets.pop(room, None)

    async def exists(self, room: int) -> bool:
        return bool((await self._ask("exists", room, secret=None)).get("exists"))

    async def list_participants(self, room: int) -> list[JsonDict]:
        data = await self.handle.message({"request": "listparticipants", "room": room})
        return list(data.data.get("participants", []))

    async def kick(self, room: int, participant_id: int) -> None:
        await self._ask("kick", room, id=participant_id)

    async def moderate(
        self,
        room: int,
        participant_id: int,
        *,
        mids: Mapping[str, Iterable[str]],
        mute_audio: bool | None = None,
        mute_video: bool | None = None,
    ) -> None:
        """Mute or unmute a publisher's audio and/or video. Janus moderates by m-line:
        `mids` are the publisher's, e.g. sdp_mids(offer) or PeerHandle.mids."""
        for kind, mute in (("audio", mute_audio), ("video", mute_video)):
            if mute is None:
                continue
            for mid in mids.get(kind, ()):
                await self._ask("moderate", room, id=participant_id, mid=mid, mute=mute)

    async def rtp_forward(
        self,
        room: int,
        publisher_id: int,
        host: str,
        *,
        mids: Mapping[str, Iterable[str]],
        audio_port: int | None = None,
        video_port: int | None = None,
        audio_pt: int = 111,
        video_pt: int = 96,
        ssrc: int | None = None,
        simulcast: bool = False,
    ) -> list[Forwarder]:
        """Forward a publisher's first audio and video m-lines (`mids`, as for moderate)
        as plain RTP to host:port, e.g. to the programme mixer. A `simulcast` publisher's
        video is forwarded as a viewer gets it: one layer, the best available. With `ssrc`, every
        forward to the same ports looks like one stream (video `ssrc`, audio `ssrc` + 1)."""
        wanted = (("audio", audio_port, audio_pt, 1), ("video", video_port, video_pt, 0))
        streams = [
            _without_none(
                {
                    "mid": mid,
                    "port": port,
                    "pt": pt,
                    "ssrc": None if ssrc is None else ssrc + offset,
                    "simulcast": True if simulcast and kind == "video" else None,
                }
            )
            for kind, port, pt, offset in wanted
            if port is not None
            for mid in list(mids.get(kind, ()))[:1]
        ]
        data = await self._ask(
            "rtp_forward",
            room,
            publisher_id=publisher_id,
            host=host,
            host_family="ipv4",
            admin_key=self.admin_key,
            streams=streams,
        )
        return [
            Forwarder(int(f["stream_id"]), str(f.get("type", "")), str(f["host"]), int(f["port"]))
            for f in data.get("forwarders", [])
        ]

    async def stop_rtp_forward(self, room: int, publisher_id: int, stream_id: int) -> None:
        await self._ask(
            "stop_rtp_forward",
            room,
            publisher_id=publisher_id,
            stream_id=stream_id,
            admin_key=self.admin_key,
        )

    async def list_forwarders(self, room: int) -> list[JsonDict]:
        return list((await self._ask("listforwarders", room)).get("publishers", []))


@dataclass
class StreamingAdmin:
    """Mountpoints of the Streaming plugin: an RTP input (the programme's output, say)
    that browsers can watch with WebRTC latency."""

    handle: PluginHandle
    admin_key: str | None = None
    secrets: dict[int, str] = field(default_factory=dict)

    async def create_rtp_mountpoint(
        self,
        mountpoint: int,
        secret: str,
        *,
        audio_port: int | None,
        video_port: int | None,
        description: str | None = None,
        pin: str | None = None,
        videocodec: str = "h264",
        video_pt: int = 96,
        video_fmtp: str | None = "profile-level-id=42e01f;packetization-mode=1",
        audiocodec: str = "opus",
        audio_pt: int = 111,
        host: str = "127.0.0.1",
    ) -> JsonDict:
        """A port 0 lets Janus pick one in the plugin's rtp_port_range; the ports taken
        are in the answer's ["stream"]["ports"]. Inputs listen on `host` only."""
        media: list[JsonDict] = []
        if audio_port is not None:
            media.append(
                {"type": "audio", "mid": "a", "port": audio_port, "pt": audio_pt}
                | {"codec": audiocodec}
            )
        if video_port is not None:
            video = {"type": "video", "mid": "v", "port": video_port, "pt": video_pt}
            media.append(_without_none(video | {"codec": videocodec, "fmtp": video_fmtp}))
        body = _without_none(
            {
                "request": "create",
                "type": "rtp",
                "id": mountpoint,
                "admin_key": self.admin_key,
                "secret": secret,
                "pin": pin,
                "description": description,
                "media": [m | {"iface": host} for m in media],
                "permanent": False,
            }
        )
        data = (await self.handle.message(body)).data
        self.secrets[mountpoint] = secret
        return data

    async def info(self, mountpoint: int) -> JsonDict:
        body = _without_none(
            {"request": "info", "id": mountpoint, "secret": self.secrets.get(mountpoint)}
        )
        return dict((await self.handle.message(body)).data.get("info", {}))

    async def destroy_mountpoint(self, mountpoint: int) -> None:
        body = _without_none(
            {"request": "destroy", "id": mountpoint, "secret": self.secrets.get(mountpoint)}
        )
        await self.handle.message(body)
        self.secrets.pop(mountpoint, None)


Feed = int | tuple[int, str]  # a publisher, or one of its streams by its mid


def _stream(feed: Feed) -> JsonDict:
    if isinstance(feed, tuple):
        return {"feed": feed[0], "mid": feed[1]}
    return {"feed": feed}


class PeerHandle:
    """One participant's VideoRoom handle: as a publisher (its camera) or as a
    subscriber (the feeds it watches). Django relays the browser's SDP and candidates."""

    def __init__(self, handle: PluginHandle):
        self.handle = handle
        self.room: int | None = None
        self.participant_id: int | None = None
        self.private_id: int | None = None
        self.mids: dict[str, list[str]] = {}
        # As a subscriber: Janus's description of each m-line ({"mid", "type", "feed_id",
        # "active"...}), kept up to date by subscribe and update.
        self.streams: list[JsonDict] = []
        self.simulcast = False  # as a publisher: whether its video has simulcast layers

    @classmethod
    async def attach(cls, session: JanusSession) -> PeerHandle:
        return cls(await session.attach(VIDEOROOM))

    async def join_publisher(self, room: int, display: str, pin: str | None = None) -> JsonDict:
        body = {"request": "join", "ptype": "publisher", "room": room, "display": display}
        data = (await self.handle.message(_without_none(body | {"pin": pin}))).data
        self.room, self.participant_id = room, int(data["id"])
        self.private_id = data.get("private_id")
        return data

    async def publish(self, jsep_offer: JsonDict, *, display: str | None = None) -> JsonDict:
        """The browser's offer in, Janus's answer out."""
        body = _without_none({"request": "publish", "display": display})
        reply = await self.handle.message(body, jsep=jsep_offer)
        if reply.jsep is None:
            raise JanusError(0, "publish answered without an SDP answer")
        self.mids = sdp_mids(str(jsep_offer.get("sdp", "")))
        self.simulcast = "a=simulcast:" in str(jsep_offer.get("sdp", ""))
        return reply.jsep

    async def unpublish(self) -> None:
        await self.handle.message({"request": "unpublish"})

    async def subscribe(
        self,
        room: int,
        feeds: Iterable[Feed],
        pin: str | None = None,
        private_id: int | None = None,
    ) -> JsonDict:
        """Join as a subscriber to `feeds`: publisher ids (all their streams) or (publisher
        id, their mid) pairs; Janus's offer out."""
        body = {
            "request": "join",
            "ptype": "subscriber",
            "room": room,
            "streams": [_stream(feed) for feed in feeds],
            "pin": pin,
            "private_id": private_id,
        }
        reply = await self.handle.message(_without_none(body))
        if reply.jsep is None:
            raise JanusError(0, "subscribe answered without an SDP offer")
        self.room = room
        self.streams = list(reply.data.get("streams", []))
        return reply.jsep

    async def update(
        self, subscribe: Iterable[Feed] = (), unsubscribe: Iterable[Feed] = ()
    ) -> JsonDict:
        """Add and remove feeds (or single streams, as for `subscribe`) of a multistream
        subscription; Janus's new offer out (answered with `start`), `streams` updated.
        Janus refuses a renegotiation while one is still unanswered."""
        body: JsonDict = {"request": "update"}
        for key, feeds in (("subscribe", subscribe), ("unsubscribe", unsubscribe)):
            if listed := [_stream(feed) for feed in feeds]:
                body[key] = listed  # Janus refuses an empty list
        reply = await self.handle.message(body)
        if reply.jsep is None:
            raise JanusError(0, "update answered without an SDP offer")
        self.streams = list(reply.data.get("streams", []))
        return reply.jsep

    async def configure_streams(self, streams: Iterable[JsonDict]) -> None:
        """Per subscribed m-line: {"mid", "send": bool, "substream": 0-2 (simulcast
        layer, 0 the smallest)}. Pausing a video costs no renegotiation."""
        await self.handle.message({"request": "configure", "streams": list(streams)})

    async def request_keyframe(self) -> None:
        """As a publisher: Janus asks the browser for a key frame (PLI)."""
        await self.handle.message({"request": "configure", "keyframe": True})

    async def start(self, jsep_answer: JsonDict) -> JsonDict:
        """The browser's answer to the subscription offer."""
        return (await self.handle.message({"request": "start"}, jsep=jsep_answer)).data

    async def trickle(self, candidate: JsonDict | None) -> None:
        await self.handle.trickle(candidate)

    async def next_event(self, timeout: float = REQUEST_TIMEOUT) -> JsonDict:
        """Janus's next word about this handle, for Django to relay: "trickle" (one of
        Janus's candidates, or {"completed": true}, since Janus trickles fully),
        "webrtcup", "media", "slowlink", "hangup", plugin "event"s (talking, publishers
        joining or leaving, being kicked or muted)."""
        return await self.handle.next_event(timeout)

    async def leave(self) -> None:
        with contextlib.suppress(JanusError):
            await self.handle.message({"request": "leave"})

    async def detach(self) -> None:
        await self.handle.detach()
