"""What a sitting's programme is made of: its inputs (the cameras, a remote speaker), the
ladder of renditions it is encoded into, and the participants' RTP return of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Rendition:
    name: str  # also the rendition's folder: "720p/index.m3u8"
    width: int
    height: int
    video_kbps: int


LADDER = (
    Rendition("720p", 1280, 720, 2800),
    Rendition("480p", 854, 480, 1400),
    Rendition("360p", 640, 360, 800),
)
# For a machine too small for the whole ladder (a laptop demo, the tests): same shape.
SMALL_LADDER = (
    Rendition("360p", 640, 360, 600),
    Rendition("240p", 426, 240, 300),
    Rendition("180p", 320, 180, 200),
)
LADDERS = {"full": LADDER, "small": SMALL_LADDER}


@dataclass(frozen=True)
class RtpOut:
    """The programme as plain RTP for a Janus Streaming mountpoint, which passes it on to
    the remote participants by WebRTC: the room's picture at one rung of the ladder's size
    (constrained baseline, SPS and PPS before each key frame) and the room's sound in Opus.

    R25: councillors entitled to attend see and hear a closed session, so their picture is
    taken from the graph before the slate is laid over it (`picture_chains`) and never
    shows a slate; the public ladder does. That picture differs from every rung, so it is
    one more H.264 encode, at the rung's size (the smallest by default), besides the Opus
    sound. No RTCP: Janus takes consecutive ports, port + 1 is not free."""

    host: str
    video_port: int
    audio_port: int
    rendition: str | None = None  # a rung's name; default: the smallest of the ladder
    video_pt: int = 96  # what the mountpoint announces (StreamingAdmin's defaults)
    audio_pt: int = 111
    audio_kbps: int = 64
    pkt_size: int = 1200  # under the MTU once Janus adds SRTP and its extensions


@dataclass(frozen=True)
class ProgrammeInput:
    name: str  # shown on the input's own slate when its feed is lost
    url: str  # the camera feed: udp://, srt://, rtsp://; H.264 picture
    has_sound: bool = True  # False: the ingest adds silence, the mixer needs a sound track
    # A remote councillor forwarded by Janus (url: an SDP file of VP8 and Opus over RTP):
    # its ingest re-encodes the small picture, and its sound is always mixed into the
    # programme's (it is heard over the room's as the chamber's loudspeakers carry it).
    remote: bool = False


@dataclass(frozen=True)
class ProgrammeConfig:
    inputs: tuple[ProgrammeInput, ...]
    output_dir: Path
    control_address: str = "tcp://127.0.0.1:5560"
    ladder: tuple[Rendition, ...] = LADDER  # the first rendition is the programme's size
    fps: int = 25
    preset: str = "veryfast"
    audio_kbps: int = 128
    segment_seconds: int = 1
    list_size: int = 10
    recording_dir: Path | None = None  # default: <output_dir>/recording
    # The technician's previews: each camera's last key frame as <preview_dir>/<n>.jpg.
    # Never under output_dir, which is public.
    preview_dir: Path | None = None
    ffmpeg: str = field(default_factory=imageio_ffmpeg.get_ffmpeg_exe)
    # The participants' return of the programme through Janus (see RtpOut); None: none.
    rtp_out: RtpOut | None = None
    # The live captions' subtitles rendition (streaming.transcript.live) in the master.
    subtitles: bool = False

    @property
    def canvas(self) -> Rendition:
        return self.ladder[0]

    @property
    def rtp_rendition(self) -> int | None:
        """The index in the ladder of the rendition sent over RTP, if any."""
        if self.rtp_out is None:
            return None
        if self.rtp_out.rendition is None:
            areas = [rung.width * rung.height for rung in self.ladder]
            return areas.index(min(areas))
        names = [rung.name for rung in self.ladder]
        if self.rtp_out.rendition not in names:
            raise ValueError(f"no rendition {self.rtp_out.rendition!r} in the ladder {names}")
        return names.index(self.rtp_out.rendition)

    @property
    def rtp_video(self) -> int:
        """The participants' picture's index among the encoded videos: after the ladder."""
        return len(self.ladder)

    @property
    def recording_folder(self) -> Path:
        return self.recording_dir or self.output_dir / "recording"

    def recording_part(self, run: int) -> Path:
        """The recording of one run of the mixer; the sitting's recording is all its parts."""
        return self.recording_folder / f"part-{run:04d}.ts"
