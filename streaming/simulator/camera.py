"""A simulated chamber camera: a PTZ head answering VISCA and ONVIF, and a live feed."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import imageio_ffmpeg

from streaming.ptz.base import Position
from streaming.simulator.chamber import render_chamber
from streaming.simulator.feed import Feed
from streaming.simulator.onvif import OnvifServer
from streaming.simulator.state import NamedPreset, PtzHead
from streaming.simulator.visca import ViscaServer

DEMO_COLOURS = ("0xB03030", "0x30A050", "0x3050B0", "0xB09030", "0x9030B0", "0x30A0B0")
# The account the demo's cameras accept over ONVIF (a real camera's is set at its install).
DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD = "regie", "chambre-demo"


class SimulatedCamera:
    """VISCA over IP on UDP host:visca_port, the ONVIF device on HTTP host:onvif_port
    (when given; `onvif_users` maps user names to passwords, the demo's account by
    default; `onvif_services=False` makes an older camera without GetServices;
    `clock_offset` sets its clock that many seconds off; `share_port`: see
    ViscaServer), and an SRT listener at
    127.0.0.1:feed_port serving MPEG-TS (H.264 + AAC); consumers call `feed_url`. The
    head moves at a real head's speed times `pace`. `start()` and `stop()` (or use it
    as a context manager)."""

    def __init__(
        self,
        name: str,
        colour: str,
        *,
        visca_port: int,
        onvif_port: int | None = None,
        feed_port: int,
        size: tuple[int, int] = (640, 360),
        fps: int = 25,
        tone_hz: int = 440,
        ffmpeg: str | None = None,
        pace: float = 1.0,
        host: str = "127.0.0.1",
        onvif_users: dict[str, str] | None = None,
        onvif_services: bool = True,
        clock_offset: float = 0.0,
        share_port: bool = False,
    ):
        self.name, self.colour, self.size, self.fps, self.tone_hz = name, colour, size, fps, tone_hz
        self.visca_port, self.onvif_port, self.feed_port = visca_port, onvif_port, feed_port
        self.ffmpeg = ffmpeg or _wheel_ffmpeg()
        self.head = PtzHead(pace=pace)
        self.host = host
        self.onvif_users = (
            onvif_users if onvif_users is not None else {DEMO_ONVIF_USER: DEMO_ONVIF_PASSWORD}
        )
        self.onvif_services, self.clock_offset = onvif_services, clock_offset
        self.share_port = share_port
        self.control_address = f"{host}:{visca_port}"
        self.onvif_address = f"{host}:{onvif_port}" if onvif_port else None
        self.feed_url = f"srt://127.0.0.1:{feed_port}?mode=caller"
        self._workdir: Path | None = None
        self._visca: ViscaServer | None = None
        self._onvif: OnvifServer | None = None
        self._feed: Feed | None = None

    @property
    def presets(self) -> dict[int, Position]:
        return self.head.presets

    @property
    def named_presets(self) -> list[NamedPreset]:
        """The ONVIF presets (token, name, position)."""
        return self.head.named_presets

    @property
    def position(self) -> Position:
        return self.head.position

    @property
    def target(self) -> Position:
        return self.head.target

    @property
    def feed_starts(self) -> int:
        """How many times the feed's ffmpeg was started (once per caller, plus restarts)."""
        return self._feed.starts if self._feed else 0

    def start(self) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix=f"seance-camera-{self.feed_port}-"))
        picture_size = (2 * self.size[0], 2 * self.size[1])
        picture = render_chamber(self._workdir / "chamber.png", picture_size, self.colour)
        self._visca = ViscaServer(
            self.head, self.visca_port, host=self.host, share_port=self.share_port
        )
        self._visca.start()
        if self.onvif_port:
            self._onvif = OnvifServer(
                self.head,
                self.onvif_port,
                host=self.host,
                users=self.onvif_users,
                stream_uri=self.feed_url,
                name=self.name,
                services=self.onvif_services,
                clock_offset=self.clock_offset,
            )
            self._onvif.start()
        self._feed = Feed(
            name=self.name,
            head=self.head,
            picture=picture,
            picture_size=picture_size,
            workdir=self._workdir,
            port=self.feed_port,
            size=self.size,
            fps=self.fps,
            tone_hz=self.tone_hz,
            ffmpeg=self.ffmpeg,
        )
        self._feed.start()

    def stop(self) -> None:
        for part in (self._feed, self._onvif, self._visca):
            if part is not None:
                part.stop()
        self._feed = self._onvif = self._visca = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def pause_feed(self) -> None:
        """Cut the feed (its ffmpeg is killed and kept down), as a pulled cable would."""
        if self._feed:
            self._feed.pause()

    def resume_feed(self) -> None:
        if self._feed:
            self._feed.resume()

    def __enter__(self) -> SimulatedCamera:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_cameras(
    count: int = 3, base_port: int = 9100, size: tuple[int, int] = (640, 360)
) -> list[SimulatedCamera]:
    """`count` cameras (not started): camera i gets VISCA on UDP base+10i+1, ONVIF on
    HTTP base+10i+2 and its SRT feed on base+10i+3."""
    return [
        SimulatedCamera(
            f"Camera {i + 1}",
            DEMO_COLOURS[i % len(DEMO_COLOURS)],
            visca_port=base_port + 10 * i + 1,
            onvif_port=base_port + 10 * i + 2,
            feed_port=base_port + 10 * i + 3,
            size=size,
            tone_hz=440 + 110 * i,
        )
        for i in range(count)
    ]


def _wheel_ffmpeg() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())
