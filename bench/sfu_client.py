"""The load clients of bench/sfu_load.py: headless councillors on aiortc, run in worker
processes so that they do not starve the benchmark's own process.

Each client speaks the visio signalling protocol (streaming/visio/consumers.py) as
static/js/visio.js does: join, publish one offer with audio and video (candidates
gathered, no trickle), answer every offer of the server, and add the candidates Janus
trickles. It keeps one peer connection per feed id: a later offer for a known feed is a
renegotiation of that connection (Janus's feed "room"), unless its ICE credentials
changed, which means the server replaced the connection (the relay, offering a feed
again), and aiortc cannot restart ICE: then a new connection answers it.

What it sends is pre-encoded: the packets of a VP8 (360p, 15 fps) and Opus clip, read
once, handed to aiortc's senders as av.Packet, which they packetize without encoding.
Simulcast as Chromium sends it when "joined" asks for it (Janus): aiortc sends the top
layer, and two lower layers of the same clip, pre-encoded too, go beside it on SSRCs that
the offer lists in an "a=ssrc-group:SIM" (send_layers, with_simulcast). The sound
follows the microphone as Chromium does: open, the clip's 50 packets a second; closed
(on joining, by the chair, at the end of the floor) and with usedtx=1 in the answer
(Janus's, see streaming.conference.janus.with_opus_dtx), one packet in DTX_EVERY, of its
first byte alone (an empty Opus frame): Chromium sent 6 a second so in tests/browser/
test_visio.py. Without usedtx (the relay), a closed microphone sends everything.

What it receives is not decrypted, reassembled nor decoded: RTP packets are counted at
the socket from their header (in clear in SRTP): packets, bytes, sequence-number gaps
and frame arrivals per SSRC, what a browser's getStats would show; RTCP and everything
else go on into aiortc as usual. The receivers' decoder threads are never started. Each
connection sends RTCP receiver reports about once a second, as browsers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import gc
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from typing import Any

FREEZE_S = 1.0  # a stream that goes this long without a new frame is frozen
RTCP_INTERVAL = 1.0
QUIET, JOIN_TIMEOUT = 1.0, 20.0  # joining one councillor after the other
RCVBUF = 1 << 20  # bytes; the kernel caps it at net.core.rmem_max
DTX_EVERY = 8  # 20 ms packets: about 6 a second while the microphone is closed


# --- the clip ------------------------------------------------------------------------------


def load_clip(path: str) -> dict[str, Any]:
    """The clip's packets by kind, as (payload, seconds from start), and its period; the
    lower video layers under "layers", smallest first."""
    import av

    by_stream: dict[int, list[tuple[bytes, float]]] = {}
    kinds: dict[int, tuple[str, int]] = {}  # stream index -> (kind, width)
    with av.open(path) as container:
        for stream in container.streams:
            width = stream.codec_context.width if stream.type == "video" else 0
            kinds[stream.index] = (stream.type, width)
        for packet in container.demux():
            if packet.size == 0 or packet.pts is None:
                continue
            by_stream.setdefault(packet.stream.index, []).append(
                (bytes(packet), float(packet.pts * packet.time_base))
            )
    for index, packets in by_stream.items():
        packets.sort(key=lambda p: p[1])
        first = packets[0][1]
        by_stream[index] = [(data, at - first) for data, at in packets]
    videos = sorted((width, index) for index, (kind, width) in kinds.items() if kind == "video")
    audio = next(index for index, (kind, _) in kinds.items() if kind == "audio")
    out = {"audio": by_stream[audio], "video": by_stream[videos[-1][1]]}
    period = max(out["video"][-1][1] + 1 / 15, out["audio"][-1][1] + 0.02)
    layers = [by_stream[index] for _, index in videos[:-1]]
    return {"packets": out, "layers": layers, "period": period}


async def send_layers(pc: Any, clip: dict[str, Any], ssrcs: list[int], pt: int) -> None:
    """The lower simulcast layers, smallest first, on `ssrcs` (the offer announced them in
    an "a=ssrc-group:SIM"), beside what aiortc's own sender sends on the top one: VP8
    packetized by aiortc, sent through the video sender's transport, with its header
    extensions."""
    from aiortc.codecs.vpx import Vp8Encoder
    from aiortc.rtp import RtpPacket

    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed"):
            return
        await asyncio.sleep(0.1)
    sender = next(t.sender for t in pc.getTransceivers() if t.kind == "video")
    extensions = sender._RTCRtpSender__rtp_header_extensions_map
    mid = sender._RTCRtpSender__mid
    period = clip["period"]
    start = time.monotonic() - random.random() * period
    state = [
        {"ssrc": ssrc, "seq": random.getrandbits(16), "ts": random.getrandbits(32), "pic": 0}
        for ssrc in ssrcs
    ]
    # One loop for the layers: their frames, merged in time order.
    frames = sorted(
        (at, layer, data) for layer, packets in enumerate(clip["layers"]) for data, at in packets
    )
    loop = 0
    try:
        while True:
            for at, layer, data in frames:
                wait = start + at + loop * period - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                s = state[layer]
                s["pic"] = (s["pic"] + 1) % (1 << 15)
                payloads = Vp8Encoder._packetize(data, s["pic"])
                timestamp = (s["ts"] + int((at + loop * period) * 90000)) & 0xFFFFFFFF
                for i, payload in enumerate(payloads):
                    packet = RtpPacket(
                        payload_type=pt, sequence_number=s["seq"], timestamp=timestamp
                    )
                    packet.ssrc = s["ssrc"]
                    packet.payload = payload
                    packet.marker = int(i == len(payloads) - 1)
                    packet.extensions.mid = mid
                    await sender.transport._send_rtp(packet.serialize(extensions))
                    s["seq"] = (s["seq"] + 1) & 0xFFFF
            loop += 1
    except ConnectionError:
        return


def with_simulcast(sdp: str, layers: int) -> tuple[str, list[int], int]:
    """The offer with `layers` more SSRCs in its video section and an
    "a=ssrc-group:SIM" listing them, smallest first, then aiortc's own (the top layer), as
    Janus reads simulcast by SSRC; the new SSRCs and VP8's payload type."""
    lines = sdp.split("\r\n")
    video = next(i for i, line in enumerate(lines) if line.startswith("m=video"))
    end = next((i for i in range(video + 1, len(lines)) if lines[i].startswith("m=")), len(lines))
    section = lines[video:end]
    vp8 = next(x for x in section if x.startswith("a=rtpmap:") and " VP8/" in x)
    pt = int(vp8[9:].split(" ", 1)[0])
    top, cname = next(
        (x[7:].split(" ", 1)[0], x.split(" cname:", 1)[1])
        for x in section
        if x.startswith("a=ssrc:") and " cname:" in x
    )
    ssrcs = [random.getrandbits(32) for _ in range(layers)]
    at = video + max(i for i, x in enumerate(section) if x.startswith("a=ssrc"))
    added = [f"a=ssrc:{ssrc} cname:{cname}" for ssrc in ssrcs]
    added.append("a=ssrc-group:SIM " + " ".join([*map(str, ssrcs), top]))
    return "\r\n".join(lines[: at + 1] + added + lines[at + 1 :]), ssrcs, pt


def clip_track(kind: str, clip: dict[str, Any], client: Client):
    """A track whose recv() returns the clip's packets in real time, looping; the sound of
    a closed microphone in DTX, when the answer asked for it."""
    import av
    from aiortc import MediaStreamTrack

    rate = 90000 if kind == "video" else 48000
    time_base = fractions.Fraction(1, rate)
    packets, period = clip["packets"][kind], clip["period"]

    class ClipTrack(MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.index = 0
            self.loop = 0
            self.start: float | None = None
            self.silent = 0  # packets of a closed microphone so far

        async def recv(self):  # type: ignore[override]
            if self.start is None:
                # Not all publishers on the same beat: start somewhere in the clip.
                self.start = time.monotonic() - random.random() * period
            while True:
                data, at = packets[self.index]
                at += self.loop * period
                wait = self.start + at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.index += 1
                if self.index == len(packets):
                    self.index, self.loop = 0, self.loop + 1
                if kind != "audio" or client.microphone_open or not client.dtx:
                    break
                self.silent += 1
                if self.silent % DTX_EVERY == 0:
                    data = data[:1]  # the TOC byte: an empty frame
                    break
            packet = av.Packet(data)
            packet.pts = int(at * rate)
            packet.time_base = time_base
            return packet

    return ClipTrack()


# --- receiving without decoding ------------------------------------------------------------


@dataclass
class Stream:
    """One received RTP stream (SSRC): what getStats would say of it."""

    pt: int
    max_ext: int  # extended highest sequence number
    base: int
    packets: int = 0
    bytes: int = 0
    frames: int = 0
    last_ts: int = -1
    last_frame: float = 0.0
    max_gap: float = 0.0  # longest time between two new frames since the last reset

    def add(self, seq: int, ts: int, size: int, now: float) -> None:
        delta = (seq - self.max_ext) & 0xFFFF
        if delta < 0x8000:
            self.max_ext += delta
        self.packets += 1
        self.bytes += size
        if ts != self.last_ts:
            self.last_ts = ts
            if self.frames:
                self.max_gap = max(self.max_gap, now - self.last_frame)
            self.frames += 1
            self.last_frame = now


def _rtp_counter(original):
    """Wraps aioice's StunProtocol.datagram_received: an RTP packet (not STUN, not RTCP)
    is counted from its header, in clear in SRTP, and goes no further (no decryption, no
    jitter buffer, no decoding); everything else goes on its way."""

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if len(data) >= 12 and 127 < data[0] < 192 and not 192 <= data[1] <= 223:
            seq, ts, ssrc = struct.unpack_from("!HII", data, 2)
            streams = self.receiver.__dict__.setdefault("bench_streams", {})
            stream = streams.get(ssrc)
            if stream is None:
                stream = streams[ssrc] = Stream(pt=data[1] & 0x7F, max_ext=seq, base=seq - 1)
            stream.add(seq, ts, len(data), time.monotonic())
            return
        original(self, data, addr)

    return datagram_received


def _bigger_buffer(original):
    """Wraps aioice's StunProtocol.connection_made: a receive buffer of RCVBUF bytes (as
    browsers ask for), so that a client's event loop late by a few hundred milliseconds
    on a busy machine does not drop what the server sent in time."""

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        original(self, transport)

    return connection_made


def received_streams(pc: Any) -> dict[int, Stream]:
    """The streams counted on a peer connection's ICE connections, by SSRC."""
    out: dict[int, Stream] = {}
    seen = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        connection = dtls.transport._connection if dtls is not None else None
        if connection is not None and id(connection) not in seen:
            seen.add(id(connection))
            out.update(connection.__dict__.get("bench_streams", {}))
    return out


class _NoThread:
    """Stands for the receivers' decoder threads, which have nothing to decode."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def start(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> None:
        pass


def patch_aiortc() -> None:
    from aioice import ice
    from aiortc import rtcrtpreceiver

    ice.StunProtocol.datagram_received = _rtp_counter(ice.StunProtocol.datagram_received)  # type: ignore[method-assign]
    ice.StunProtocol.connection_made = _bigger_buffer(ice.StunProtocol.connection_made)  # type: ignore[method-assign]
    rtcrtpreceiver.threading = types.SimpleNamespace(  # type: ignore[attr-defined]
        Thread=_NoThread, Event=threading.Event
    )


def payload_kinds(sdp: str) -> dict[int, str]:
    """Payload type -> "audio" / "video" of the media codecs of a description (not RTX)."""
    kinds: dict[int, str] = {}
    kind = ""
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=rtpmap:"):
            pt, codec = line[9:].split(" ", 1)
            if codec.split("/")[0].lower() not in ("rtx", "red", "ulpfec", "flexfec-03"):
                kinds[int(pt)] = kind
    return kinds


def slim(sdp: str) -> str:
    """An aiortc description as a browser writes it: one fingerprint (SHA-256, not also
    SHA-384 and SHA-512), and with BUNDLE the candidates in the first m-line only. An
    aiortc answer to Janus's subscription is otherwise about twice a browser's, and
    crosses the signalling's frame limit (64 KiB) much sooner."""
    bundled = "a=group:BUNDLE" in sdp
    out: list[str] = []
    section = -1
    for line in sdp.split("\r\n"):
        if line.startswith("m="):
            section += 1
        if line.startswith(("a=fingerprint:sha-384", "a=fingerprint:sha-512")):
            continue
        if bundled and section > 0 and line.startswith(("a=candidate:", "a=end-of-cand")):
            continue
        out.append(line)
    return "\r\n".join(out)


def ice_ufrag(sdp: str) -> str | None:
    for line in sdp.splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line.split(":", 1)[1].strip()
    return None


def offered_streams(sdp: str) -> dict[str, int]:
    """The streams a server offer announces it sends: m-lines with a port, sendonly or
    sendrecv, by kind."""
    count = {"audio": 0, "video": 0}
    kind, port, direction = None, 0, "sendrecv"

    def close() -> None:
        if kind in count and port and direction in ("sendonly", "sendrecv"):
            count[kind] += 1

    for line in sdp.splitlines():
        if line.startswith("m="):
            close()
            parts = line[2:].split()
            kind, port, direction = parts[0], int(parts[1]), "sendrecv"
        elif line.strip() in ("a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive"):
            direction = line.strip()[2:]
    close()
    return count


# --- one councillor ------------------------------------------------------------------------


@dataclass(eq=False)
class Client:
    index: int
    cookie: str
    joined: bool = False
    published: bool = False
    errors: list[str] = field(default_factory=list)
    publisher: Any = None
    feeds: dict[str, Any] = field(default_factory=dict)  # feed id -> RTCPeerConnection
    pending: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)  # candidates
    ws: Any = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    offers: int = 0
    renegotiations: int = 0
    replaced: int = 0
    last_message: float = 0.0
    largest_answer: int = 0  # bytes of the largest answer frame sent
    me: str | None = None
    microphone_open: bool = True
    dtx: bool = False  # the answer to our offer asked for Opus DTX
    simulcast: bool = False  # the server asked for simulcast layers
    # feed -> (streams offered by kind, payload type -> kind), of its last offer
    offered: dict[str, tuple[dict[str, int], dict[int, str]]] = field(default_factory=dict)
    ufrags: dict[str, str | None] = field(default_factory=dict)  # feed -> its ICE username


def new_pc():
    from aiortc import RTCConfiguration, RTCPeerConnection

    # No STUN server: everything is on this machine.
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def add_candidate(pc: Any, candidate: dict[str, Any]) -> None:
    from aiortc.sdp import candidate_from_sdp

    if candidate.get("completed"):
        await pc.addIceCandidate(None)
        return
    text = str(candidate.get("candidate") or "")
    if not text:
        return
    parsed = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
    parsed.sdpMid = candidate.get("sdpMid")
    parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
    await pc.addIceCandidate(parsed)


async def send_reports(pc: Any) -> None:
    """One RTCP receiver report a second for what this connection receives."""
    from aiortc.rtp import RtcpReceiverInfo, RtcpRrPacket

    own = random.getrandbits(32)
    while True:
        await asyncio.sleep(RTCP_INTERVAL * (0.5 + random.random()))
        if pc.connectionState == "closed":
            return
        streams = received_streams(pc)
        transport = next(
            (t.receiver.transport for t in pc.getTransceivers() if t.receiver.transport), None
        )
        if not streams or transport is None:
            continue
        reports = [
            RtcpReceiverInfo(
                ssrc=ssrc,
                fraction_lost=0,
                packets_lost=max(0, min(0x7FFFFF, s.max_ext - s.base - s.packets)),
                highest_sequence=s.max_ext & 0xFFFFFFFF,
                jitter=0,
                lsr=0,
                dlsr=0,
            )
            for ssrc, s in streams.items()
        ]
        for start in range(0, len(reports), 31):  # at most 31 reports in a packet
            with contextlib.suppress(Exception):
                packet = RtcpRrPacket(ssrc=own, reports=reports[start : start + 31])
                await transport._send_rtp(bytes(packet))


async def run_client(client: Client, url: str, origin: str, clip: dict[str, Any]) -> None:
    import websockets
    from aiortc import RTCRtpSender, RTCSessionDescription

    client.ws = ws = await websockets.connect(
        url,
        additional_headers={"Origin": origin, "Cookie": f"sessionid={client.cookie}"},
        max_size=2**22,
        open_timeout=60,
    )
    await ws.send(json.dumps({"action": "join", "audio_only": False}))

    def connection(feed: Any):
        return client.publisher if feed is None else client.feeds.get(feed)

    async def publish() -> None:
        pc = client.publisher = new_pc()
        for kind in ("audio", "video"):
            transceiver = pc.addTransceiver(clip_track(kind, clip, client), direction="sendonly")
            codec = "opus" if kind == "audio" else "VP8"
            caps = RTCRtpSender.getCapabilities(kind)
            transceiver.setCodecPreferences(
                [c for c in caps.codecs if c.mimeType.split("/")[1] in (codec, "rtx")]
            )
        await pc.setLocalDescription(await pc.createOffer())
        offer = slim(pc.localDescription.sdp)
        if client.simulcast and clip["layers"]:  # Janus: the stage picks layers
            offer, ssrcs, pt = with_simulcast(offer, len(clip["layers"]))
            client.tasks.append(asyncio.ensure_future(send_layers(pc, clip, ssrcs, pt)))
        await ws.send(json.dumps({"action": "publish", "sdp": offer}))

    async def on_offer(feed: str, sdp: str) -> None:
        client.offers += 1
        pc = client.feeds.get(feed)
        if pc is not None and client.ufrags.get(feed) != ice_ufrag(sdp):
            # Not a renegotiation: the server replaced the connection (the relay does,
            # when it offers a feed again), and aiortc cannot restart ICE.
            client.replaced += 1
            client.feeds.pop(feed)
            await pc.close()
            pc = None
        if pc is None:
            pc = client.feeds[feed] = new_pc()
            client.tasks.append(asyncio.ensure_future(send_reports(pc)))
        else:
            client.renegotiations += 1
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        client.offered[feed] = (offered_streams(sdp), payload_kinds(sdp))
        client.ufrags[feed] = ice_ufrag(sdp)
        await pc.setLocalDescription(await pc.createAnswer())
        frame = json.dumps({"action": "answer", "feed": feed, "sdp": slim(pc.localDescription.sdp)})
        client.largest_answer = max(client.largest_answer, len(frame.encode()))
        await ws.send(frame)
        for candidate in client.pending.pop(feed, []):
            await add_candidate(pc, candidate)

    # One message at a time, as visio.js: a candidate waits for its description.
    async for text in ws:
        client.last_message = time.monotonic()
        m = json.loads(text)
        kind = m.get("type")
        try:
            if kind == "joined":
                client.joined = True
                client.me = m.get("id")
                client.microphone_open = not m.get("muted")
                client.simulcast = bool(m.get("simulcast"))
                await publish()
            elif kind == "floor":
                client.microphone_open = bool(m.get("open"))
            elif kind == "muted":
                client.microphone_open = False
            elif kind == "answer":
                client.dtx = "usedtx=1" in m["sdp"]
                await client.publisher.setRemoteDescription(
                    RTCSessionDescription(sdp=m["sdp"], type="answer")
                )
                client.published = True
                for candidate in client.pending.pop(None, []):
                    await add_candidate(client.publisher, candidate)
            elif kind == "offer":
                await on_offer(m["feed"], m["sdp"])
            elif kind == "candidate":
                feed, pc = m.get("feed"), connection(m.get("feed"))
                ready = pc is not None and (
                    client.published if feed is None else feed in client.offered
                )
                if ready:
                    await add_candidate(pc, m.get("candidate") or {})
                else:
                    client.pending.setdefault(feed, []).append(m.get("candidate") or {})
            elif kind == "left":
                client.offered.pop(m.get("feed"), None)
                pc = client.feeds.pop(m.get("feed"), None)
                if pc is not None:
                    await pc.close()
            elif kind == "error":
                client.errors.append(f"{m.get('code')}: {m.get('message')}")
        except Exception as error:  # noqa: BLE001  (counted, the run goes on)
            client.errors.append(f"{kind}: {type(error).__name__}: {error}")


def client_stats(client: Client, reset: bool) -> dict[str, Any]:
    """This client's received streams, as a getStats would give them."""
    streams = []
    expected = {"audio": 0, "video": 0}
    connected = 0
    for feed, pc in list(client.feeds.items()):
        # From the offer as received: aiortc's remoteDescription writes the whole
        # description out again at each call, a tenth of the clients' CPU when polled.
        if feed not in client.offered:
            continue
        if pc.connectionState == "connected":
            connected += 1
        offered, kinds = client.offered[feed]
        for kind, n in offered.items():
            expected[kind] += n
        for ssrc, s in received_streams(pc).items():
            kind = kinds.get(s.pt)
            if kind is None:
                continue
            streams.append(
                (
                    f"{client.index}/{feed}/{ssrc}",
                    kind,
                    s.packets,
                    s.max_ext - s.base,
                    s.bytes,
                    s.frames,
                    s.last_frame,
                    s.max_gap,
                )
            )
            if reset:
                s.max_gap = 0.0
    publisher = client.publisher
    return {
        "joined": client.joined,
        "published": client.published,
        "publisher_connected": publisher is not None and publisher.connectionState == "connected",
        "feeds": len(client.feeds),
        "connected": connected,
        "offers": client.offers,
        "renegotiations": client.renegotiations,
        "replaced": client.replaced,
        "largest_answer": client.largest_answer,
        "expected": expected,
        "errors": list(client.errors),
        "streams": streams,
    }


# --- the worker process --------------------------------------------------------------------


def worker(conn: Any, url: str, origin: str, clip_path: str) -> None:
    """A process of load clients, driven through `conn`:
    ("add", [(index, cookie), ...]) -> "ok"; ("stats", reset) -> [client stats...];
    ("quit", None) -> exits."""
    import logging

    logging.disable(logging.WARNING)  # aiortc's and aioice's complaints under load
    gc.set_threshold(50_000, 50, 50)  # fewer pauses of the event loop to collect cycles
    patch_aiortc()
    clip = load_clip(clip_path)
    with contextlib.suppress(KeyboardInterrupt):
        if os.environ.get("SFU_UVLOOP", "1") == "1":  # lighter clients, see the README
            import uvloop

            uvloop.run(_serve(conn, url, origin, clip))
        else:
            asyncio.run(_serve(conn, url, origin, clip))
    # Closing hundreds of connections one by one is of no interest: the servers go next.
    sys.stdout.flush()
    os._exit(0)


async def _serve(conn: Any, url: str, origin: str, clip: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    clients: list[Client] = []
    quit_event = asyncio.Event()
    lag = [0.0]  # the longest the event loop was late since the last reset, in seconds

    async def closing(client: Client) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.ws.close(), 2)

    async def add(batch: list[tuple[int, str]]) -> None:
        """One client after the other, each once published and its signalling quiet for
        QUIET seconds (at most JOIN_TIMEOUT): councillors joining in the same instant
        make the embedded relay offer a feed twice (see the report of sfu_load)."""
        for index, cookie in batch:
            client = Client(index=index, cookie=cookie)
            clients.append(client)
            task = loop.create_task(run_client(client, url, origin, clip))
            task.add_done_callback(lambda t, c=client: _crashed(t, c))
            client.tasks.append(task)
            deadline = time.monotonic() + JOIN_TIMEOUT
            while time.monotonic() < deadline and not task.done():
                await asyncio.sleep(0.1)
                quiet = time.monotonic() - client.last_message > QUIET
                if client.published and quiet:
                    break
        conn.send("ok")

    def on_command() -> None:
        command, argument = conn.recv()
        if command == "add":
            loop.create_task(add(argument))
        elif command == "stats":
            conn.send({"clients": [client_stats(c, argument) for c in clients], "lag": lag[0]})
            if argument:
                lag[0] = 0.0
        elif command == "quit":
            quit_event.set()

    loop.add_reader(conn.fileno(), on_command)
    watch = loop.create_task(_watch_lag(lag))
    await quit_event.wait()
    watch.cancel()
    loop.remove_reader(conn.fileno())
    await asyncio.gather(*(closing(c) for c in clients if c.ws is not None))
    conn.send("bye")


async def _watch_lag(lag: list[float]) -> None:
    """How late this process's event loop runs: a loop stalled for a second freezes every
    stream it receives, whatever the server does."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(0.05)
        lag[0] = max(lag[0], time.monotonic() - before - 0.05)


def _crashed(task: asyncio.Task[None], client: Client) -> None:
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        client.errors.append(f"connection: {type(error).__name__}: {error}")
