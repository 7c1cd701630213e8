"""The simulated camera's live feed: one ffmpeg, restarted whenever it exits.

It loops the chamber picture (twice the output size), crops it where the PTZ head
looks (pan/tilt aim the crop's centre, zoom shrinks it: zoom 1 shows a sixth of the
chamber's width), scales it to the output size, burns in the camera's name, a
running clock and the clock barcode (clock.py), adds a sine tone and serves H.264 +
AAC in MPEG-TS as an SRT listener. The crop follows the head live: a thread sends
`crop` commands to the graph's `zmq` filter over an ipc socket.

The SRT listener takes one caller at a time; ffmpeg exits when its caller leaves and
is started again, listening for the next. A caller that closes cleanly (SIGINT,
SIGTERM, `q`) frees it at once; one that vanishes (SIGKILL, cable) only after SRT's
peer idle timeout, about 6 s, which ffmpeg's srt protocol cannot shorten.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from pathlib import Path

import zmq

from streaming.programme.process import die_with_parent
from streaming.ptz.base import Position
from streaming.simulator.clock import barcode_boxes, barcode_layout
from streaming.simulator.state import PtzHead

logger = logging.getLogger(__name__)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
ZOOM_RATIO = 6.0  # the crop's width at zoom 0 over its width at zoom 1
CROP_TARGET = "crop@ptz"
# The burnt-in clock: local time of the frame, and its milliseconds.
CLOCK_TEXT = r"%{pts:localtime:0:%H\:%M\:%S}.%{eif:mod(floor(t*1000+0.5),1000):d:3}"


def crop_box(
    position: Position, picture: tuple[int, int], output: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(w, h, x, y) of the crop of the `picture` seen at `position`, `output`'s aspect."""
    pw, ph = picture
    p = position.clamped()
    w = _even(pw * ZOOM_RATIO ** (-p.zoom))
    h = min(ph, _even(w * output[1] / output[0]))
    cx, cy = pw / 2 * (1 + p.pan), ph / 2 * (1 - p.tilt)
    x = min(max(0, round(cx - w / 2)), pw - w)
    y = min(max(0, round(cy - h / 2)), ph - h)
    return w, h, x, y


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


class Feed:
    def __init__(
        self,
        *,
        name: str,
        head: PtzHead,
        picture: Path,
        picture_size: tuple[int, int],
        workdir: Path,
        port: int,
        size: tuple[int, int],
        fps: int,
        tone_hz: int,
        ffmpeg: str,
    ):
        self.name, self.head, self.picture, self.picture_size = name, head, picture, picture_size
        self.workdir, self.port, self.size = workdir, port, size
        self.fps, self.tone_hz, self.ffmpeg = fps, tone_hz, ffmpeg
        self.url = f"srt://127.0.0.1:{port}?mode=caller"
        self.starts = 0
        self.paused = False
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._zmq_address = f"ipc://{workdir / 'ptz.zmq'}"
        self._threads = [
            threading.Thread(target=self._supervise, name=f"feed-{name}", daemon=True),
            threading.Thread(target=self._follow_head, name=f"feed-ptz-{name}", daemon=True),
        ]
        (workdir / "name.txt").write_text(name)
        (workdir / "clock.txt").write_text(CLOCK_TEXT)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._kill()
        for thread in self._threads:
            thread.join(timeout=3)

    def pause(self) -> None:
        """Cut the feed: ffmpeg is killed and stays down until `resume`."""
        self.paused = True
        self._kill()

    def resume(self) -> None:
        self.paused = False

    @property
    def running(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        return [
            self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-re", "-loop", "1", "-framerate", str(self.fps), "-i", str(self.picture),
            "-re", "-f", "lavfi", "-i", f"sine=frequency={self.tone_hz}:sample_rate=48000",
            "-filter_complex", self.filtergraph(), "-map", "[v]", "-map", "1:a",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
            "-g", str(self.fps), "-keyint_min", str(self.fps), "-sc_threshold", "0",
            "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "96k", "-ar", "48000",
            "-f", "mpegts", f"srt://127.0.0.1:{self.port}?mode=listener",
        ]  # fmt: skip

    def filtergraph(self) -> str:
        w, h, x, y = crop_box(self.head.position, self.picture_size, self.size)
        width, height = self.size
        text_size = max(12, height // 18)
        filters = [
            "zmq=bind_address='" + self._zmq_address.replace(":", "\\:") + "'",
            f"{CROP_TARGET}=w={w}:h={h}:x={x}:y={y}:exact=1",
            f"scale={width}:{height}",
            "settb=1/1000",
            "setpts=RTCTIME/1000",  # each frame's pts is the wall clock, in epoch ms
            _drawtext(self.workdir / "name.txt", text_size, "10", "10"),
            _drawtext(self.workdir / "clock.txt", text_size, "w-tw-10", "10"),
            *self._barcode(),
            f"settb=1/{self.fps}",
            "setpts=N",
            "format=yuv420p",
        ]
        return "[0:v]" + ",".join(filters) + "[v]"

    def _barcode(self) -> list[str]:
        x, y, block, bits = barcode_layout(self.size[0])
        margin = block / 2
        band_w, band_h = round(bits * block + 2 * margin), round(block + 2 * margin)
        band_x, band_y = round(x - margin), round(y - margin)
        band = f"drawbox=x={band_x}:y={band_y}:w={band_w}:h={band_h}:color=black:t=fill"
        boxes = [
            f"drawbox=x={bx}:y={by}:w={bw}:h={bh}:color=white:t=fill"
            f":enable='eq(mod(floor((t*1000+0.5)/{2 ** (bits - 1 - i)}),2),1)'"
            for i, (bx, by, bw, bh) in enumerate(barcode_boxes(self.size[0]))
        ]
        return [band, *boxes]

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            if self.paused:
                self._stopping.wait(0.1)
                continue
            self._spawn()
            process = self._process
            if process is not None:
                process.wait()
            self._stopping.wait(0.2)

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set() or self.paused:
                return
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=die_with_parent,
            )
            self.starts += 1

    def _kill(self) -> None:
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    def _follow_head(self) -> None:
        """Send the crop to the running ffmpeg when the head moves, and twice a second
        anyway: a restarted ffmpeg starts from the crop of its start."""
        context = zmq.Context.instance()
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.SNDHWM, 64)
        socket.connect(self._zmq_address)
        sent, sent_at = None, 0.0
        try:
            while not self._stopping.wait(0.04):
                box = crop_box(self.head.position, self.picture_size, self.size)
                if box != sent or time.monotonic() - sent_at > 0.5:
                    self._send_crop(socket, box)
                    sent, sent_at = box, time.monotonic()
                while socket.poll(0):
                    socket.recv_multipart()  # the filter's "0 Success" replies
        finally:
            socket.close()

    def _send_crop(self, socket: zmq.Socket, box: tuple[int, int, int, int]) -> None:  # type: ignore[type-arg]
        for key, value in zip("whxy", box, strict=True):
            try:
                socket.send_multipart([b"", f"{CROP_TARGET} {key} {value}".encode()], zmq.NOBLOCK)
            except zmq.Again:
                return


def _drawtext(textfile: Path, size: int, x: str, y: str) -> str:
    return (
        f"drawtext=fontfile='{FONT}':textfile='{textfile}':expansion=normal:fontsize={size}"
        f":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x={x}:y={y}"
    )
