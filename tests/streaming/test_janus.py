"""Janus for the councillors' video, for real: a Janus run by this user in tmp_path, the
VideoRoom administered through its admin_key, a publisher offering aiortc's SDP, an RTP
forwarder to a local UDP port, and a Streaming mountpoint fed by ffmpeg over RTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.rtcicetransport import RTCIceCandidate
from aiortc.sdp import candidate_from_sdp

from streaming.conference import janus as janus_client
from streaming.conference.admin import StreamingAdmin, VideoRoomAdmin
from streaming.conference.janus import (
    STREAMING,
    VIDEOROOM,
    JanusConnection,
    JanusError,
    JanusSession,
    JanusSettings,
    janus_session,
)
from streaming.conference.janus_process import JanusProcess, free_port, janus_available
from streaming.conference.peer import PeerHandle
from streaming.conference.sdp import with_opus_dtx

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
ROOM, SECRET = 1234, "room-secret"


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusProcess]:
    if not janus_available():
        pytest.fail("janus is not installed: apt-get install janus (Debian's package)")
    process = JanusProcess(tmp_path_factory.mktemp("janus"), api_secret="api-secret")
    process.start()
    yield process
    pid = process.pid
    process.stop()
    assert pid is not None and not Path(f"/proc/{pid}").exists(), "janus left running"


@pytest.fixture
async def session(janus: JanusProcess) -> AsyncIterator[JanusSession]:
    async with janus_session(JanusSettings.from_env(janus.environ())) as session:
        yield session


@pytest.fixture
async def rooms(janus: JanusProcess, session: JanusSession) -> AsyncIterator[VideoRoomAdmin]:
    admin = VideoRoomAdmin(await session.attach(VIDEOROOM), admin_key=janus.admin_key)
    yield admin
    for room in list(admin.secrets):
        await admin.destroy_room(room)


async def browser_offer() -> tuple[RTCPeerConnection, dict[str, str]]:
    """What a councillor's browser offers: a microphone and a camera, candidates inside."""
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    return pc, {"type": "offer", "sdp": pc.localDescription.sdp}


def test_janus_runs_with_only_what_seance_needs(janus: JanusProcess) -> None:
    info = janus.info()
    assert info is not None
    assert set(info["plugins"]) == {VIDEOROOM, STREAMING}  # type: ignore[call-overload]
    assert set(info["transports"]) == {"janus.transport.http", "janus.transport.websockets"}  # type: ignore[call-overload]
    assert os.stat(janus.configdir / "janus.jcfg").st_mode & 0o077 == 0
    address = outward_address()
    for port in (janus.ws_port, janus.http_port, janus.admin_port):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        if address:  # the API is not reachable from the network
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address, port), timeout=1)


def test_janus_starts_in_a_relative_folder(tmp_path: Path, monkeypatch) -> None:
    """As `bin/demo` starts it (`var/janus`): Janus runs in its folder, so the paths it is
    given must not be relative to where it was asked for."""
    monkeypatch.chdir(tmp_path)
    with JanusProcess(Path("var") / "janus") as janus:
        assert janus.info() is not None


def outward_address() -> str | None:
    """This machine's address towards the network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2, via the default route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


async def test_requests_without_the_api_secret_are_refused(janus: JanusProcess) -> None:
    connection = await JanusConnection.open(janus.ws_url, api_secret=None)
    try:
        with pytest.raises(JanusError) as refused:
            await JanusSession.create(connection)
        assert refused.value.code == 403  # JANUS_ERROR_UNAUTHORIZED
    finally:
        await connection.close()


async def test_sessions_live_while_kept_alive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(janus_client, "KEEPALIVE_EVERY", 0.3)
    with JanusProcess(tmp_path, session_timeout=1) as janus:
        async with janus_session(JanusSettings.from_env(janus.environ())) as kept:
            forgotten = await kept.connection.request({"janus": "create"})
            forgotten_id = forgotten["data"]["id"]
            deadline = time.monotonic() + 10
            while forgotten_id not in kept.connection.timeouts:  # Janus looks every few s
                assert time.monotonic() < deadline, "Janus kept a session without keepalive"
                await asyncio.sleep(0.2)
            assert not kept.timed_out
            await kept.attach(VIDEOROOM)


async def test_rooms_need_the_admin_key(rooms: VideoRoomAdmin, session: JanusSession) -> None:
    intruder = VideoRoomAdmin(await session.attach(VIDEOROOM), admin_key="wrong")
    with pytest.raises(JanusError) as refused:
        await intruder.create_room(ROOM + 1, "s")
    assert refused.value.code == 433  # JANUS_VIDEOROOM_ERROR_UNAUTHORIZED
    keyless = VideoRoomAdmin(await session.attach(VIDEOROOM))
    with pytest.raises(JanusError):
        await keyless.create_room(ROOM + 2, "s")
    await rooms.create_room(ROOM, SECRET, pin="1789")
    assert await rooms.exists(ROOM)
    assert await rooms.list_participants(ROOM) == []


@dataclass
class Publisher:
    peer: PeerHandle
    pc: RTCPeerConnection
    id: int


@pytest.fixture
async def councillor(rooms: VideoRoomAdmin, session: JanusSession) -> AsyncIterator[Publisher]:
    """Mme Martin's browser, joined with the room's PIN and publishing, ICE connected."""
    await rooms.create_room(ROOM, SECRET, pin="1789")
    peer = await PeerHandle.attach(session)
    joined = await peer.join_publisher(ROOM, "Mme Martin", pin="1789")
    assert joined["videoroom"] == "joined" and peer.participant_id
    pc, offer = await browser_offer()
    try:
        answer = await peer.publish(offer)
        assert answer["type"] == "answer" and "m=video" in answer["sdp"]
        assert peer.mids == {"audio": ["0"], "video": ["1"]}
        await connect(pc, peer, answer)
        yield Publisher(peer, pc, peer.participant_id)
    finally:
        await pc.close()
        await peer.detach()


async def connect(pc: RTCPeerConnection, peer: PeerHandle, remote: dict) -> None:
    """What the browser does with Janus's SDP and trickled candidates, relayed by Django."""
    candidates = await janus_candidates(peer)
    assert candidates, "Janus never gathers on loopback: the machine needs another IPv4 address"
    assert all(" typ host" in c["candidate"] for c in candidates)
    await pc.setRemoteDescription(RTCSessionDescription(**remote))
    for candidate in candidates:
        await pc.addIceCandidate(ice_candidate(candidate))
    await janus_says(peer, "webrtcup")


async def test_a_wrong_pin_is_refused(rooms: VideoRoomAdmin, session: JanusSession) -> None:
    await rooms.create_room(ROOM, SECRET, pin="1789")
    peer = await PeerHandle.attach(session)
    with pytest.raises(JanusError):
        await peer.join_publisher(ROOM, "Intrus", pin="0000")
    assert await rooms.list_participants(ROOM) == []


async def test_a_publishing_councillor_is_listed(
    rooms: VideoRoomAdmin, councillor: Publisher
) -> None:
    participants = await rooms.list_participants(ROOM)
    assert [(p["id"], p["display"], p["publisher"]) for p in participants] == [
        (councillor.id, "Mme Martin", True)
    ]


async def test_the_chair_mutes_a_councillor(rooms: VideoRoomAdmin, councillor: Publisher) -> None:
    await rooms.moderate(ROOM, councillor.id, mids=councillor.peer.mids, mute_audio=True)
    muted = await videoroom_event(councillor.peer, "moderation")
    assert (muted["moderation"], muted["mid"]) == ("muted", "0")
    with pytest.raises(JanusError):
        await rooms.moderate(ROOM, councillor.id, mids={"audio": ["9"]}, mute_audio=True)


async def test_a_councillor_is_forwarded_to_the_mixer(
    rooms: VideoRoomAdmin, councillor: Publisher
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mixer:
        mixer.bind(("127.0.0.1", 0))
        mixer.setblocking(False)
        port = mixer.getsockname()[1]
        forwarders = await rooms.rtp_forward(
            ROOM, councillor.id, "127.0.0.1", video_port=port, mids=councillor.peer.mids
        )
        assert [(f.kind, f.port) for f in forwarders] == [("video", port)]
        packet = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(mixer, 2048), 5)
        assert packet[0] >> 6 == 2 and packet[1] & 0x7F == 96  # RTP v2, the asked type
        listed = await rooms.list_forwarders(ROOM)
        assert [p["publisher_id"] for p in listed] == [councillor.id]
        await rooms.stop_rtp_forward(ROOM, councillor.id, forwarders[0].stream_id)
        assert await rooms.list_forwarders(ROOM) == []


async def test_another_councillor_watches(session: JanusSession, councillor: Publisher) -> None:
    viewer = await PeerHandle.attach(session)
    pc = RTCPeerConnection()
    try:
        offer = await viewer.subscribe(ROOM, [councillor.id], pin="1789")
        assert offer["type"] == "offer" and offer["sdp"].count("m=") == 2
        await pc.setRemoteDescription(RTCSessionDescription(**offer))
        await pc.setLocalDescription(await pc.createAnswer())
        started = await viewer.start({"type": "answer", "sdp": pc.localDescription.sdp})
        assert started["started"] == "ok"
        await connect_answered(pc, viewer)
    finally:
        await pc.close()
        await viewer.detach()


async def connect_answered(pc: RTCPeerConnection, peer: PeerHandle) -> None:
    for candidate in await janus_candidates(peer):
        await pc.addIceCandidate(ice_candidate(candidate))
    await janus_says(peer, "webrtcup")


async def test_the_chair_removes_a_councillor(rooms: VideoRoomAdmin, councillor: Publisher) -> None:
    await rooms.kick(ROOM, councillor.id)
    assert (await videoroom_event(councillor.peer, "leaving"))["reason"] == "kicked"
    await janus_says(councillor.peer, "hangup")
    assert await rooms.list_participants(ROOM) == []


async def videoroom_event(peer: PeerHandle, key: str) -> dict:
    while True:
        event = await janus_says(peer, "event")
        data = event["plugindata"]["data"]
        if key in data:
            return data


async def janus_candidates(peer: PeerHandle) -> list[dict]:
    """Janus trickles its own candidates (full_trickle) as events, then "completed"."""
    candidates: list[dict] = []
    while True:
        event = await peer.next_event(timeout=5)
        if event["janus"] != "trickle":
            continue
        if event["candidate"].get("completed"):
            return candidates
        candidates.append(event["candidate"])


def ice_candidate(trickled: dict) -> RTCIceCandidate:
    """Janus gives sdpMLineIndex and, not always, sdpMid (as a browser accepts)."""
    candidate = candidate_from_sdp(trickled["candidate"].split(":", 1)[1])
    candidate.sdpMid = trickled.get("sdpMid")
    candidate.sdpMLineIndex = trickled["sdpMLineIndex"]
    return candidate


async def janus_says(peer: PeerHandle, what: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = await peer.next_event(timeout=max(0.1, deadline - time.monotonic()))
        if event["janus"] == what:
            return event


async def test_an_rtp_mountpoint_receives_ffmpeg(
    janus: JanusProcess, session: JanusSession
) -> None:
    streams = StreamingAdmin(await session.attach(STREAMING), admin_key=janus.admin_key)
    with pytest.raises(JanusError):
        await StreamingAdmin(await session.attach(STREAMING)).create_rtp_mountpoint(
            7, "s", audio_port=None, video_port=free_port(socket.SOCK_DGRAM)
        )
    video_port = free_port(socket.SOCK_DGRAM)
    created = await streams.create_rtp_mountpoint(
        42, "mount-secret", audio_port=None, video_port=video_port, description="Programme"
    )
    assert created["streaming"] == "created"
    await asyncio.sleep(1)  # Janus counts age_ms from the creation until a packet arrives
    assert (await streams.info(42))["media"][0]["age_ms"] >= 900
    sender = subprocess.Popen(
        [FFMPEG, "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"]
        + ["-t", "3", "-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency"]
        + ["-pix_fmt", "yuv420p", "-g", "15", "-payload_type", "96"]
        + ["-f", "rtp", f"rtp://127.0.0.1:{video_port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(3):  # packets keep coming
            media = await _media_arrives(streams, 42, timeout=5)
            assert media["type"] == "video" and media["codec"] == "h264"
            await asyncio.sleep(0.3)
    finally:
        sender.kill()
        sender.wait()
        await streams.destroy_mountpoint(42)
    with pytest.raises(JanusError):
        await streams.info(42)


async def _media_arrives(streams: StreamingAdmin, mountpoint: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        info = await streams.info(mountpoint)
        received = [m for m in info.get("media", []) if m.get("age_ms", 10**9) < 200]
        if received or time.monotonic() > deadline:
            assert received, info
            return received[0]
        await asyncio.sleep(0.2)


def test_the_answer_to_a_publisher_asks_for_opus_dtx() -> None:
    """usedtx=1 on every Opus format of Janus's answer, added once, whether the format
    had parameters or none; other formats untouched."""
    answer = "\r\n".join(
        [
            "v=0",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111 109",
            "a=rtpmap:111 opus/48000/2",
            "a=fmtp:111 useinbandfec=1",
            "a=rtpmap:109 OPUS/48000/2",
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            "a=rtpmap:96 VP8/90000",
            "a=fmtp:96 max-fs=12288",
            "",
        ]
    )
    dtx = with_opus_dtx(answer)
    assert dtx.split("\r\n") == [
        "v=0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 109",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 useinbandfec=1;usedtx=1",
        "a=rtpmap:109 OPUS/48000/2",
        "a=fmtp:109 usedtx=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=rtpmap:96 VP8/90000",
        "a=fmtp:96 max-fs=12288",
        "",
    ]
    assert with_opus_dtx(dtx) == dtx
