"""A camera's ingest, which never stalls the mixer.

Its parts, all on the loopback:
- the camera ffmpeg re-wraps the feed into MPEG-TS without touching the picture (`-c:v
  copy`; the sound becomes MPEG audio 48 kHz stereo, so that every source sounds alike to
  the mixer); it exits when the feed goes silent and is started again until the camera answers;
- one slate ffmpeg, shared by every camera, encodes a "picture unavailable" slate at a
  few frames a second;
- the relay forwards one of them, datagram by datagram, to the mixer's input: the camera
  while it speaks, the slate when it has been silent for `loss_after` seconds. It switches
  only on a datagram that starts a video key frame, so the mixer's decoder never sees a
  picture that refers to a frame it has not had. Python moves packets, never frames.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from streaming.ports import free_udp_port
from streaming.programme.graph import FONT, ProgrammeInput, escape_value
from streaming.programme.process import ManagedProcess

# ffmpeg's MPEG-TS muxer gives its first stream this PID; both our muxers put video first.
VIDEO_PID = 0x100
TS_PACKET = 188
LOST_SLATE_COLOUR = "0x3A3A3A"
LOST_SLATE_TEXT = "Image momentanément indisponible"
# The sound of every source, camera or slate, alike for the mixer (which cannot change
# sound format on the fly): MPEG audio layer 2 costs a tenth of AAC to encode.
MIXER_SOUND = ("-c:a", "mp2", "-ar", "48000", "-ac", "2", "-b:a", "192k")
FAST_X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency")
# Every ffmpeg of the programme starts again over the files of its previous run: `-y`, or
# ffmpeg (without a terminal to ask) refuses an existing output ("File ... already exists")
# and a camera's ingest, whose preview is such a file, would never come back.
RESTARTABLE = ("-y", "-hide_banner", "-nostdin", "-nostats")
# The mixer's UDP input: a deep queue (in 188-byte packets) that drops rather than fails.
MIXER_INPUT_OPTIONS = "fifo_size=50000&overrun_nonfatal=1&buffer_size=4194304"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(("127.0.0.1", 0))
    return sock


def starts_key_frame(datagram: bytes) -> bool:
    """True if a TS packet of the video PID in `datagram` has its random access bit set."""
    for offset in range(0, len(datagram) - TS_PACKET + 1, TS_PACKET):
        packet = datagram[offset : offset + TS_PACKET]
        pid = (packet[1] & 0x1F) << 8 | packet[2]
        has_adaptation = packet[3] & 0x20 and packet[4] > 0
        if packet[0] == 0x47 and pid == VIDEO_PID and has_adaptation and packet[5] & 0x40:
            return True
    return False


def remote_sdp(video_port: int, audio_port: int) -> str:
    """The remote speaker's input as Janus forwards it: VP8 and Opus over plain RTP."""
    return "\n".join(
        [
            "v=0",
            "o=- 0 0 IN IP4 127.0.0.1",
            "s=Seance remote speaker",
            "c=IN IP4 127.0.0.1",
            "t=0 0",
            f"m=video {video_port} RTP/AVP 96",
            "a=rtpmap:96 VP8/90000",
            f"m=audio {audio_port} RTP/AVP 111",
            "a=rtpmap:111 opus/48000/2",
            "",
        ]
    )


def input_timeout_args(url: str, seconds: float) -> tuple[list[str], str]:
    """Options and URL with which ffmpeg gives up on a feed that has been silent."""
    micro = str(int(seconds * 1_000_000))
    scheme = urlsplit(url).scheme
    if scheme in ("udp", "srt"):
        return [], f"{url}{'&' if '?' in url else '?'}timeout={micro}"
    if scheme == "rtsp":
        return ["-timeout", micro], url
    return ["-rw_timeout", micro], url


def camera_command(
    source: ProgrammeInput,
    ffmpeg: str,
    port: int,
    timeout: float = 1.5,
    preview: Path | None = None,
) -> list[str]:
    """With `preview`, the camera's key frames (one a second) are also decoded, and only
    they (`-skip_frame nokey`: the copy to the mixer is not decoded at all), into a small
    JPEG that ffmpeg rewrites in place for the technician's previews."""
    options, url = input_timeout_args(source.url, timeout)
    silence = ["-re", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
    sound = "0:a:0" if source.has_sound else "1:a"
    key_frames_only = ["-skip_frame", "nokey"] if preview and not source.remote else []
    picture = ["-c:v", "copy"]
    if source.remote:  # VP8 over RTP from Janus: re-encoded small, a key frame a second
        options, url = ["-protocol_whitelist", "file,udp,rtp"], source.url
        picture = [*FAST_X264, "-g", "25", "-vf", "scale=-2:360"]
    command = [
        *(ffmpeg, *RESTARTABLE, "-loglevel", "level+error"),
        *("-fflags", "+nobuffer", "-probesize", "1000000", "-analyzeduration", "1000000"),
        *(*options, *key_frames_only, "-i", url, *([] if source.has_sound else silence)),
        *("-map", "0:v:0", "-map", sound, *picture),
        *MIXER_SOUND,
        *("-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"),
    ]
    if preview:
        command += [
            *("-map", "0:v:0", "-vf", "scale=320:-2", "-fps_mode", "passthrough"),
            *("-q:v", "6", "-update", "1", "-atomic_writing", "1", "-f", "image2", str(preview)),
        ]
    return command


def slate_command(ffmpeg: str, ports: list[int], fps: int = 5) -> list[str]:
    """One slate for every input, encoded once and sent to each relay. Every frame is a
    key frame: a relay can switch to the slate at once."""
    text = escape_value(LOST_SLATE_TEXT)
    drawtext = f"drawtext=fontfile={FONT}:text={text}:fontsize=24:fontcolor=white"
    outputs = "|".join(f"[f=mpegts]udp://127.0.0.1:{port}?pkt_size=1316" for port in ports)
    return [
        *(ffmpeg, *RESTARTABLE, "-loglevel", "level+error"),
        *("-re", "-f", "lavfi", "-i", f"color=c={LOST_SLATE_COLOUR}:s=640x360:r={fps}"),
        *("-re", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-map", "0:v", "-map", "1:a"),
        *("-vf", f"{drawtext}:x=(w-text_w)/2:y=(h-text_h)/2"),
        *(*FAST_X264, "-g", "1"),
        *(*MIXER_SOUND, "-f", "tee", outputs),
    ]


class Relay(threading.Thread):
    """Forwards the camera's datagrams to the mixer, or the slate's when the camera is
    silent, switching sources only at a video key frame."""

    def __init__(self, mixer_port: int, loss_after: float) -> None:
        super().__init__(name=f"relay-{mixer_port}", daemon=True)
        self.camera = bound_socket()
        self.slate = bound_socket()
        self.out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.mixer = ("127.0.0.1", mixer_port)
        self.loss_after = loss_after
        self.live = False  # forwarding the camera (True) or the slate (False)
        self.switched_at = time.monotonic()
        self.last_camera = 0.0
        self.forwarded = 0
        self.bytes = 0
        self._stopping = threading.Event()

    def port(self, sock: socket.socket) -> int:
        return int(sock.getsockname()[1])

    def run(self) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([self.camera, self.slate], [], [], 0.2)
            for sock in ready:
                self.receive(sock is self.camera, sock.recv(65536))

    def receive(self, from_camera: bool, datagram: bytes) -> None:
        now = time.monotonic()
        if from_camera:
            self.last_camera = now
        if from_camera != self.live and not self._switches(from_camera, now, datagram):
            return
        try:
            self.out.sendto(datagram, self.mixer)
            self.forwarded += 1
            self.bytes += len(datagram)
        except OSError:
            pass  # the mixer is restarting: its input will pick up the stream again

    def _switches(self, from_camera: bool, now: float, datagram: bytes) -> bool:
        """A datagram from the other source takes over if that source should be on air
        (the camera is back, or it has been silent too long) and it starts a key frame."""
        wanted = from_camera or now - self.last_camera > self.loss_after
        if not wanted or not starts_key_frame(datagram):
            return False
        self.live, self.switched_at = from_camera, now
        return True

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=2)
        for sock in (self.camera, self.slate, self.out):
            sock.close()

    def health(self) -> dict[str, object]:
        now = time.monotonic()
        return {
            "state": "live" if self.live else "slate",
            "since": round(now - self.switched_at, 1),
            "camera_silent_for": round(now - self.last_camera, 1) if self.last_camera else None,
            "forwarded": self.forwarded,
            "bytes": self.bytes,
        }


class Ingest:
    """One camera: its re-wrapping ffmpeg and the relay between it, the slate (which
    sends to `slate_port`) and the mixer's input `mixer_url`."""

    def __init__(
        self,
        source: ProgrammeInput,
        ffmpeg: str,
        loss_after: float = 0.6,
        backoff: float = 1.0,
        preview: Path | None = None,
    ) -> None:
        self.source = source
        self.backoff = backoff
        self.relay = Relay(free_udp_port(), loss_after)
        camera_port = self.relay.port(self.relay.camera)
        self.slate_port = self.relay.port(self.relay.slate)
        self.camera = ManagedProcess(
            f"camera-{source.name}",
            lambda: camera_command(source, ffmpeg, camera_port, preview=preview),
        )
        self._camera_down_at: float | None = None
        # The remote speaker's input waits on Janus's forward, and its ffmpeg gives up after
        # 20 s without a packet (the SDP demuxer has no longer timeout): those ends, with
        # nothing received since it started, are waiting, not failures.
        self.idle_exits = 0

    @property
    def mixer_url(self) -> str:
        return f"udp://127.0.0.1:{self.relay.mixer[1]}?{MIXER_INPUT_OPTIONS}"

    def start(self) -> None:
        self.relay.start()
        self.camera.start()

    def poll(self) -> None:
        """Called often by the supervisor: starts the camera's ffmpeg again if it ended."""
        if not self.camera.exited:
            return
        now = time.monotonic()
        if self._camera_down_at is None and self.waited_in_vain():
            self.idle_exits += 1
        self._camera_down_at = self._camera_down_at or now
        if now - self._camera_down_at >= self.backoff:
            self._camera_down_at = None
            self.camera.start()

    def stop(self) -> None:
        self.camera.stop(grace=1)
        self.relay.stop()

    def waited_in_vain(self) -> bool:
        """A remote input's ffmpeg that ended without a packet since it started."""
        started = self.camera.started_at
        return self.source.remote and started is not None and self.relay.last_camera < started

    def health(self) -> dict[str, object]:
        return {
            "name": self.source.name,
            **self.relay.health(),
            "camera": self.camera.health(),
            "remote": self.source.remote,
            "restarts": max(0, self.camera.starts - 1 - self.idle_exits),
        }
