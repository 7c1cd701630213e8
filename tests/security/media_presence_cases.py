"""A councillor joined to the sitting's video by websocket, with a camera offer,
for the presence tests."""

from __future__ import annotations

import asyncio
import time

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.sdp import candidate_from_sdp
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from council.routing import websocket_urlpatterns

app = URLRouter(websocket_urlpatterns)


async def joined(sitting, member) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app, f"/ws/sittings/{sitting.id}/visio/")
    comm.scope["user"] = member.user
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to({"action": "join"})
    assert (await until(comm, "joined"))["type"] == "joined"
    return comm


async def camera_offer() -> RTCPeerConnection:
    """What a councillor's browser offers: a microphone and a camera, sending."""
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    return pc


async def connect_media(comm: WebsocketCommunicator, pc: RTCPeerConnection) -> asyncio.Task:
    """What the browser does with the answer and the server's trickled candidates (Janus
    trickles them, maybe before the answer is sent; aiortc puts them in its answer)."""
    early = []
    while True:
        frame = await comm.receive_json_from(timeout=20)
        assert frame["type"] != "error", frame
        if frame["type"] == "candidate":
            early.append(frame)
        elif frame["type"] == "answer":
            break
    await pc.setRemoteDescription(RTCSessionDescription(sdp=frame["sdp"], type="answer"))

    async def add(frame: dict) -> None:
        trickled = frame.get("candidate") or {}
        if frame.get("feed") is not None or not trickled.get("candidate"):
            return  # another feed's, or {"completed": true}
        candidate = candidate_from_sdp(trickled["candidate"].split(":", 1)[1])
        candidate.sdpMid = trickled.get("sdpMid")
        candidate.sdpMLineIndex = trickled.get("sdpMLineIndex")
        await pc.addIceCandidate(candidate)

    for frame in early:
        await add(frame)

    async def later() -> None:
        while True:
            frame = await comm.receive_json_from(timeout=3600)
            if frame["type"] == "candidate":
                await add(frame)

    return asyncio.get_running_loop().create_task(later())


async def eventually(check, timeout: float = 25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.2)
    return await check()


async def until(comm: WebsocketCommunicator, kind: str, timeout: float = 20) -> dict:
    """The next frame of this type, or the next error (others come in between)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = await comm.receive_json_from(timeout=max(0.1, deadline - time.monotonic()))
        if frame["type"] in (kind, "error"):
            return frame
