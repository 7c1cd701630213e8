"""Administration of Janus's plugins through one handle each: `VideoRoomAdmin` (rooms,
moderation, RTP forwarders into the programme) and `StreamingAdmin` (RTP mountpoints
browsers watch with WebRTC latency). Creating rooms, forwarders and mountpoints needs the
plugin's admin_key; the rest needs the room's or the mountpoint's secret."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .janus import JsonDict, PluginHandle, without_none


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
        payload = without_none({"request": request, "room": room, "secret": secret, **body})
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
        body = without_none(
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
        streams = forward_streams(mids, audio_port, video_port, audio_pt, video_pt, ssrc, simulcast)
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


def forward_streams(
    mids: Mapping[str, Iterable[str]],
    audio_port: int | None,
    video_port: int | None,
    audio_pt: int,
    video_pt: int,
    ssrc: int | None,
    simulcast: bool,
) -> list[JsonDict]:
    """The "streams" of an rtp_forward request: the first audio and video m-lines of
    `mids` that have a port (see VideoRoomAdmin.rtp_forward)."""
    wanted = (("audio", audio_port, audio_pt, 1), ("video", video_port, video_pt, 0))
    return [
        without_none(
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
        media = rtp_media(
            audio_port, audio_pt, audiocodec, video_port, video_pt, videocodec, video_fmtp
        )
        body = without_none(
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
        body = without_none(
            {"request": "info", "id": mountpoint, "secret": self.secrets.get(mountpoint)}
        )
        return dict((await self.handle.message(body)).data.get("info", {}))

    async def destroy_mountpoint(self, mountpoint: int) -> None:
        body = without_none(
            {"request": "destroy", "id": mountpoint, "secret": self.secrets.get(mountpoint)}
        )
        await self.handle.message(body)
        self.secrets.pop(mountpoint, None)


def rtp_media(
    audio_port: int | None,
    audio_pt: int,
    audiocodec: str,
    video_port: int | None,
    video_pt: int,
    videocodec: str,
    video_fmtp: str | None,
) -> list[JsonDict]:
    """The "media" of an RTP mountpoint: mid "a" for the sound, "v" for the picture, each
    only with a port (see StreamingAdmin.create_rtp_mountpoint)."""
    media: list[JsonDict] = []
    if audio_port is not None:
        media.append(
            {"type": "audio", "mid": "a", "port": audio_port, "pt": audio_pt}
            | {"codec": audiocodec}
        )
    if video_port is not None:
        video = {"type": "video", "mid": "v", "port": video_port, "pt": video_pt}
        media.append(without_none(video | {"codec": videocodec, "fmtp": video_fmtp}))
    return media
