"""The mixer's ffmpeg command line: N camera inputs (through their ingests) mixed into one
programme, encoded once into an HLS ladder plus the recording of the whole sitting; with
an RTP output, the participants' picture of the room (the same graph, split before the
slate: R25) encoded once more at one rung's size.

Everything the operator controls at run time is a named filter that the `zmq` filter can
reach: `streamselect@cut` and `astreamselect@cut` (cut), `streamselect@pipsource` and
`overlay@pip` (picture in picture), `drawbox@ltbox`, `drawtext@ltname`, `drawtext@ltdetail`
(lower third), `drawbox@slatebox`, `drawtext@slatetext` (slate) and `volume@mute`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg

from streaming.hls import MIXER_MASTER, MIXER_PLAYLIST, PUBLIC_PLAYLIST, Bandwidth
from streaming.programme.state import SLATES, ProgrammeState

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
# Timestamps of every input on one clock: the wall clock since the graph started (plus a
# margin, for the frames read while the inputs were being probed).
WALLCLOCK_PTS = "PTS-RTCSTART/(TB*1000000)+2/TB"


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


def escape_value(text: str) -> str:
    """`text` as an option value inside a filtergraph description: escaped once for the
    option parser, then once more for the graph parser."""
    return _escape(_escape(text, "\\':"), "\\'[],;")


def _escape(text: str, specials: str) -> str:
    return "".join("\\" + ch if ch in specials else ch for ch in text)


def _enabled(on: bool) -> str:
    return "1" if on else "0"


def input_chains(config: ProgrammeConfig) -> list[str]:
    """Each input on the programme's clock and rate, untouched otherwise (only the picture
    on air is scaled): a main copy and a PiP copy."""
    chains = []
    single = len(config.inputs) == 1  # the selectors need two inputs: the camera twice
    for i, source in enumerate(config.inputs):
        copies = (0, 1) if single else (i,)
        video = "".join(f"[main{c}][pip{c}]" for c in copies)
        audio = "".join(f"[audio{c}]" for c in copies)
        chains.append(
            f"[{i}:v]setpts={WALLCLOCK_PTS},fps={config.fps},split={2 * len(copies)}{video}"
        )
        sound = f"[{i}:a]{sound_clock_filters()}"
        if source.remote:  # mixed in always; its place in the cut's selector is silent
            chains.append(f"{sound},asplit=2[remotecut][remotesound]")
            chains.append(f"[remotecut]volume=0{audio}")
        else:
            chains.append(f"{sound},asplit={len(copies)}{audio}")
    return chains


# The sound's clock: its samples, not the moment each packet was read (see sound_clock).
SOUND_CATCH_UP = 0.1  # share of an early arrival taken up at each frame...
SOUND_SETTLE = 0.001  # ...and of a late one: the clocks' drift, a gap of the feed
# The most a frame's time moves from its samples' count, as a share of its duration:
# the sound's timestamps never go back, nor leave a hole.
SOUND_STEP = 0.25


def _clock(time: str, early: float, late: float) -> str:
    """An `asetpts` expression: the anchor (ld(0)) plus the samples before the frame,
    the anchor moved towards `time - samples` by a share of the difference (`early` when
    the frame is early, `late` when late), at most SOUND_STEP of the frame's duration."""
    counted = "(NB_CONSUMED_SAMPLES/SR/TB)"
    off = f"({time}-{counted}-ld(0))"
    step = f"{SOUND_STEP}*NB_SAMPLES/SR/TB"
    move = f"clip(if(lt({off},0),{early},{late})*{off},-{step},{step})"
    return f"if(eq(N,0),st(0,{time}-{counted}),st(0,ld(0)+{move}));ld(0)+{counted}"


def sound_clock() -> str:
    """The timestamps of an input's sound, counted from its samples and kept on the wall
    clock, without the stalls of its reading.

    Packets are stamped when the mixer's demuxer reads them (`input_args`). On a loaded
    machine that thread is scheduled late and reads a fifth of a second of sound (or,
    while the mixer starts or falls behind, seconds) at once, stamping it all with the
    same instant. `aresample` took that for a gap followed by an overlap: it filled the
    "gap" with silence and dropped the sound that had arrived, so the programme had
    holes of 0.1 to 0.4 s several times a second, longer ones under more load, where the
    camera had none. Here a frame's time is the anchor plus the samples before it; the
    anchor follows early arrivals quickly (a packet can be read late, never before it was
    sent) and late ones slowly (the drift between the camera's clock and ours, or a feed
    lost a while: its slate's silence and the camera's return then come early, by no more
    than the time lost, for some twenty seconds)."""
    return _clock(f"({WALLCLOCK_PTS})", SOUND_CATCH_UP, SOUND_SETTLE)


def programme_sound_clock() -> str:
    """The programme's sound on its own count of samples, following the cut's inputs
    slowly: a cut between two inputs whose clocks differ is no jump in its timestamps,
    so neither a hole nor an overlap."""
    return _clock("PTS", SOUND_SETTLE, SOUND_SETTLE)


def sound_clock_filters() -> str:
    """On its own clock, resampled to the programme's rate. What moves the anchor is
    taken up by stretching the sound (1 % at most); beyond 0.3 s (the first packets,
    stamped late while the mixer started; a feed lost), by cutting or filling it."""
    return (
        f"asetpts={escape_value(sound_clock())},"
        "aresample=48000:min_comp=0.02:max_soft_comp=0.01:min_hard_comp=0.3,"
        "aformat=sample_fmts=fltp:channel_layouts=stereo"
    )


def remote_index(config: ProgrammeConfig) -> int | None:
    return next((i for i, source in enumerate(config.inputs) if source.remote), None)


def selector_inputs(config: ProgrammeConfig) -> int:
    """The cut's and the PiP's selectors take at least two inputs (see `input_chains`)."""
    return max(2, len(config.inputs))


def picture_chains(config: ProgrammeConfig, state: ProgrammeState) -> list[str]:
    """Cut and picture in picture, then lower third and slate, then the control socket.
    The inputs may differ in size: each `scale` follows the input selected.

    With an RTP output, the picture is split after the lower third, before the slate: the
    participants' [rtpvideo] is the room as the cut shows it, never a slate (R25: during a
    closed session the public sees the slate, the councillors the room)."""
    n, c = selector_inputs(config), config.canvas
    mains = "".join(f"[main{i}]" for i in range(n))
    pips = "".join(f"[pip{i}]" for i in range(n))
    pip_source = state.pip if state.pip is not None else 0
    margin = c.height // 24
    room = (
        f"[cut][pipsmall]overlay@pip=x=W-w-{margin}:y={margin}:"
        f"enable={_enabled(state.pip is not None)},{lower_third_filters(config, state)}"
    )
    slate = (
        f"{slate_filters(config, state)},"
        f"zmq=bind_address={escape_value(config.control_address)}[programme]"
    )
    chains = [
        f"{mains}streamselect@cut=inputs={n}:map={state.cut},"
        f"scale={c.width}:{c.height},setsar=1,format=yuv420p[cut]",
        f"{pips}streamselect@pipsource=inputs={n}:map={pip_source},"
        f"scale={c.width // 4}:{c.height // 4},format=yuv420p[pipsmall]",
    ]
    if config.rtp_out is None:
        return [*chains, f"{room},{slate}"]
    rung = config.ladder[config.rtp_rendition or 0]
    scale = "null" if rung == c else f"scale={rung.width}:{rung.height}"
    return [
        *chains,
        f"{room},split=2[room][participants]",
        f"[room]{slate}",
        f"[participants]{scale}[rtpvideo]",
    ]


def lower_third_filters(config: ProgrammeConfig, state: ProgrammeState) -> str:
    h, lt = config.canvas.height, state.lower_third
    on = _enabled(lt is not None)
    name = escape_value(lt.name if lt and lt.name else "-")
    detail = escape_value(lt.detail if lt and lt.detail else "-")
    return (
        f"drawbox@ltbox=x=0:y=ih*0.78:w=iw:h=ih*0.16:c=0x12213F@0.85:t=fill:enable={on},"
        f"drawtext@ltname=fontfile={BOLD_FONT}:expansion=none:text={name}:"
        f"fontsize={h // 20}:fontcolor=white:x=w*0.04:y=h*0.80:enable={on},"
        f"drawtext@ltdetail=fontfile={FONT}:expansion=none:text={detail}:"
        f"fontsize={h // 30}:fontcolor=white:x=w*0.04:y=h*0.87:enable={on}"
    )


def slate_filters(config: ProgrammeConfig, state: ProgrammeState) -> str:
    slate = SLATES[state.slate or "before_start"]
    on = _enabled(state.slate is not None)
    return (
        f"drawbox@slatebox=x=0:y=0:w=iw:h=ih:c={slate.colour}:t=fill:enable={on},"
        f"drawtext@slatetext=fontfile={BOLD_FONT}:expansion=none:text={escape_value(slate.text)}:"
        f"fontsize={config.canvas.height // 16}:fontcolor=white:"
        f"x=(w-text_w)/2:y=(h-text_h)/2:enable={on}"
    )


def ladder_chains(config: ProgrammeConfig) -> list[str]:
    """The programme split into the ladder's sizes: [video0], [video1]..."""
    outs = "".join(f"[ladder{i}]" for i in range(len(config.ladder)))
    chains = [f"[programme]split={len(config.ladder)}{outs}"]
    for i, rung in enumerate(config.ladder):
        scale = "null" if rung == config.canvas else f"scale={rung.width}:{rung.height}"
        chains.append(f"[ladder{i}]{scale}[video{i}]")
    return chains


def audio_chains(config: ProgrammeConfig, state: ProgrammeState) -> list[str]:
    """The programme's sound [sound]: the cut's input, the remote speaker mixed over it,
    silenced by a slate or protected speech. With an RTP output, also [roomsound] for the
    participants: the room as heard in it, never silenced (councillors attend a closed
    session) and without the remote speaker (they hear each other directly)."""
    n = selector_inputs(config)
    audios = "".join(f"[audio{i}]" for i in range(n))
    selected = f"{audios}astreamselect@cut=inputs={n}:map={state.cut}"
    mute = f"volume@mute=volume={state.volume}[sound]"
    remote = remote_index(config) is not None
    loudness = loudness_chains("mixedsound", mute)
    if config.rtp_out is None and not remote:
        return [f"{selected}[mixedsound]", *loudness]
    chains = [selected + (",asplit=2[cutsound][roomsound]" if config.rtp_out else "[cutsound]")]
    if remote:
        chains.append("[cutsound][remotesound]amix=inputs=2:normalize=0:duration=first[mixedsound]")
    else:
        chains.append("[cutsound]anull[mixedsound]")
    return [*chains, *loudness]


# EBU R128: the programme at -23 LUFS, its true peak at -1 dBTP at most.
LOUDNESS_TARGET_LUFS = -23.0
TRUE_PEAK_LIMIT_DBTP = -1.0
# The leveller (see loudness_chains): from LEVELLER_THRESHOLD_DB up, every 20 dB more in
# comes out 1 dB louder; LEVELLER_MAKEUP_DB puts a sound measured at -30 dB (its key,
# per channel) at the target: -23 LUFS for -50 dB to -10 dB in, within a dB.
LEVELLER_THRESHOLD_DB = -52.0
LEVELLER_RATIO = 20
LEVELLER_MAKEUP_DB = 25.6
LEVELLER_TIME_MS = 1000  # attack and release: the gain follows about a second of sound
# Sample peaks limited at 4 times the rate are true peaks (ITU-R BS.1770's own way of
# measuring them); half a dB more for what the AAC encoder adds to them.
LIMITER_RATE = 192000
LIMITER_CEILING_DB = TRUE_PEAK_LIMIT_DBTP - 0.5


def _linear(db: float) -> str:
    return f"{10 ** (db / 20):.6f}"


def loudness_chains(source: str, then: str) -> list[str]:
    """[source] at EBU R128's programme loudness, then `then` (the mute and its label).

    A leveller and a true-peak limiter, with no look-ahead. The leveller is a compressor
    (ratio 20 from -52 dB, and make-up gain) whose level is a second's mean power of the
    sound as BS.1770 weighs it for loudness: the +4 dB shelf of its K-weighting is put
    before it and taken out after it (the same shelf, -4 dB: its exact inverse), so the
    gain follows what a loudness meter reads, over about its short-term window, and the
    sound comes out as it went in but for that gain. Then `alimiter` at four times the
    rate. Not taken: `loudnorm`, whose live (single-pass) mode holds 3 s of sound to look
    ahead, and the muxer holds every rendition's video behind the sound: 3 s more for
    every viewer, whose budget is 4 s in all; and it runs at 192 kHz throughout.
    `dynaudnorm`, which sets its gain from the loudest frames of its window: speech, loud
    and soft by turns, came out 4 to 6 dB under target. `sidechaincompress` (the K-weighted
    copy as its key), whose two inputs' frame sync held the sound back: the programme's
    renditions came a second later. The programme's own clock first: see
    `programme_sound_clock`."""
    key = "highshelf=f=1681:g=4:t=q:w=0.7071"
    unkey = "highshelf=f=1681:g=-4:t=q:w=0.7071"
    leveller = (
        f"acompressor=threshold={_linear(LEVELLER_THRESHOLD_DB)}:"
        f"ratio={LEVELLER_RATIO}:attack={LEVELLER_TIME_MS}:release={LEVELLER_TIME_MS}:"
        f"makeup={_linear(LEVELLER_MAKEUP_DB)}:knee=2:detection=rms:link=average"
    )
    limiter = (
        f"aresample={LIMITER_RATE},alimiter=limit={_linear(LIMITER_CEILING_DB)}:"
        "attack=1:release=50:level=0,aresample=48000"
    )
    clock = f"asetpts={escape_value(programme_sound_clock())}"
    return [f"[{source}]{clock},{key},{leveller},{unkey},{limiter},{then}"]


def filter_graph(config: ProgrammeConfig, state: ProgrammeState) -> str:
    chains = [
        *input_chains(config),
        *picture_chains(config, state),
        *ladder_chains(config),
        *audio_chains(config, state),
    ]
    return ";\n".join(chains)


def mixer_command(
    config: ProgrammeConfig, state: ProgrammeState, sources: list[str], run: int
) -> list[str]:
    """The whole mixer: `sources` are the ingests' outputs, one per configured input."""
    return [
        config.ffmpeg,
        # -y: a restart writes over what its previous run left (see ingest.RESTARTABLE).
        *("-y", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "level+warning"),
        *("-progress", "pipe:1", "-stats_period", "1", "-copyts"),
        *[arg for url in sources for arg in input_args(url)],
        *("-filter_complex", filter_graph(config, state)),
        *encoder_args(config),
        *rtp_muxing_args(config),
        *("-f", "tee", tee_outputs(config, run)),
    ]


def rtp_muxing_args(config: ProgrammeConfig) -> list[str]:
    """The tee writes each packet as soon as it is encoded. By default it would hold the
    packets of every stream until all have caught up (up to 10 s): the RTP rendition
    behind the slowest encoder and the sound, hundreds of milliseconds in bursts. Each of
    its muxers still interleaves its own streams (HLS, the recording): their files are as
    they were."""
    if config.rtp_out is None:
        return []
    return ["-max_interleave_delta", "1"]


def input_args(url: str) -> list[str]:
    """An ingest's MPEG-TS, stamped on arrival and decoded without frame delay; a change
    of picture size or of source does not rebuild the filter graph (the first `scale`
    absorbs it)."""
    return [
        *("-thread_queue_size", "1024", "-use_wallclock_as_timestamps", "1"),
        *("-thread_type", "slice"),
        *("-reinit_filter", "0", "-probesize", "32768", "-analyzeduration", "100000"),
        *("-f", "mpegts", "-i", url),
    ]


def encoder_args(config: ProgrammeConfig) -> list[str]:
    """The ladder's videos v:0, v:1... and the AAC sound a:0; with an RTP output, the
    participants' picture after the ladder (`rtp_video`) and its Opus sound a:1 too."""
    gop = str(config.fps * config.segment_seconds)
    rtp, sounds = config.rtp_out, ["[sound]"]
    videos = [f"[video{i}]" for i in range(len(config.ladder))]
    if rtp is not None:
        sounds = ["[sound]", "[roomsound]"]
        videos.append("[rtpvideo]")
    args = [
        *[arg for video in videos for arg in ("-map", video)],
        *[arg for sound in sounds for arg in ("-map", sound)],
        *("-c:v", "libx264", "-preset", config.preset),
        *("-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "0"),
        *aac_args(config),
    ]
    for i, rung in enumerate(config.ladder):
        kbps = rung.video_kbps
        args += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps * 11 // 10}k"]
        args += [f"-bufsize:v:{i}", f"{kbps}k"]
    if rtp is not None:
        args += rtp_encoder_args(config, rtp)
    return args


def aac_args(config: ProgrammeConfig) -> list[str]:
    """AAC for every sound, or for the first only when the second is Opus."""
    a = "a" if config.rtp_out is None else "a:0"
    return [f"-c:{a}", "aac", f"-b:{a}", f"{config.audio_kbps}k", "-flags", "+global_header"]


def rtp_encoder_args(config: ProgrammeConfig, rtp: RtpOut) -> list[str]:
    """The participants' picture at its rung's rate, in the profile the mountpoint
    announces (constrained baseline: every WebRTC decoder has it) and without look-ahead,
    which would hold its frames back; the Opus sound for WebRTC."""
    k, kbps = config.rtp_video, config.ladder[config.rtp_rendition or 0].video_kbps
    return [
        *(f"-b:v:{k}", f"{kbps}k", f"-maxrate:v:{k}", f"{kbps * 11 // 10}k"),
        *(f"-bufsize:v:{k}", f"{kbps}k"),
        *(f"-profile:v:{k}", "baseline", f"-tune:v:{k}", "zerolatency"),
        *("-c:a:1", "libopus", "-b:a:1", f"{rtp.audio_kbps}k", "-ar:a:1", "48000"),
    ]


def variant_map(config: ProgrammeConfig) -> str:
    """One audio rendition, shared by every video rendition and listed on its own."""
    videos = [f"v:{i},agroup:audio,name:{rung.name}" for i, rung in enumerate(config.ladder)]
    return " ".join(["a:0,agroup:audio,name:audio", *videos])


# What fMP4 adds to the coded bits of a 1-second segment (moof, trun, mdat): measured
# under 1 %; a 3 % margin and a floor for the smallest renditions.
CONTAINER_OVERHEAD = 1.03
CONTAINER_FLOOR_BPS = 8_000


def video_peak_bps(config: ProgrammeConfig, rung: Rendition) -> int:
    """The most bits the encoder may put in one segment, over its duration: the VBV lets
    it spend the whole buffer at once (a key frame) on top of the maximum rate, so a
    segment of d seconds carries at most maxrate * d + bufsize (`encoder_args`)."""
    maxrate, bufsize = rung.video_kbps * 11 // 10 * 1000, rung.video_kbps * 1000
    return maxrate + bufsize // config.segment_seconds


def audio_peak_bps(config: ProgrammeConfig) -> int:
    """AAC at a constant bit rate; its bit reservoir moves a few frames' worth across a
    segment's boundary: a tenth more."""
    return config.audio_kbps * 1100


def bandwidths(config: ProgrammeConfig) -> dict[str, Bandwidth]:
    """What the master playlist declares (RFC 8216, 4.3.4.2), by variant playlist: each
    video rendition plays with the audio rendition, so its peak is theirs summed."""

    def declared(bps: int) -> int:
        return int(bps * CONTAINER_OVERHEAD) + CONTAINER_FLOOR_BPS

    audio_avg = config.audio_kbps * 1000
    found = {
        f"audio/{PUBLIC_PLAYLIST}": Bandwidth(declared(audio_peak_bps(config)), declared(audio_avg))
    }
    for rung in config.ladder:
        peak = video_peak_bps(config, rung) + audio_peak_bps(config)
        average = rung.video_kbps * 1000 + audio_avg
        found[f"{rung.name}/{PUBLIC_PLAYLIST}"] = Bandwidth(declared(peak), declared(average))
    return found


def hls_options(config: ProgrammeConfig) -> dict[str, str]:
    out = config.output_dir
    return {
        "f": "hls",
        "hls_time": str(config.segment_seconds),
        "hls_segment_type": "fmp4",
        "hls_list_size": str(config.list_size),
        "hls_delete_threshold": str(config.list_size),
        # A restart appends to the playlists after a discontinuity: never a reset.
        "hls_flags": "append_list+discont_start+omit_endlist+program_date_time"
        "+independent_segments+delete_segments+temp_file",
        # Under names nobody links to: `streaming.hls.PlaylistPublisher` publishes them.
        "master_pl_name": MIXER_MASTER,
        "hls_segment_filename": f"{out}/%v/seg_%05d.m4s",
        "var_stream_map": variant_map(config),
    }


def tee_outputs(config: ProgrammeConfig, run: int) -> str:
    """One encode, two muxers: the public HLS ladder and this run's recording (the top
    rendition and the sound in MPEG-TS, which survives a crash). With an RTP output, two
    more (RTP carries one stream each) and the Opus sound kept out of the first two."""
    hls = ":".join(f"{key}={_tee_value(value)}" for key, value in hls_options(config).items())
    if config.rtp_out is None:
        recording = f"f=mpegts:select={_tee_value('v:0,a')}:onfail=ignore"
    else:
        ladder = ",".join(f"v:{i}" for i in range(len(config.ladder)))
        hls += f":select={_tee_value(ladder + ',a:0')}"  # not the participants' picture
        recording = f"f=mpegts:select={_tee_value('v:0,a:0')}:onfail=ignore"
    outputs = [
        f"[{hls}]{config.output_dir}/%v/{MIXER_PLAYLIST}",
        f"[{recording}]{config.recording_part(run)}",
    ]
    if config.rtp_out is not None:
        outputs += rtp_tee_outputs(config, config.rtp_out)
    return "|".join(outputs)


def rtp_tee_outputs(config: ProgrammeConfig, rtp: RtpOut) -> list[str]:
    """The participants' H.264 with its parameter sets before each key frame (the encoders
    keep them in the global header, for HLS), and the Opus sound, to the mountpoint. A
    mountpoint that is gone costs nothing: UDP, and `onfail=ignore`."""
    common = "f=rtp:onfail=ignore:rtpflags=skip_rtcp"
    video = f"{common}:select={_tee_value(f'v:{config.rtp_video}')}:bsfs/v=dump_extra"
    video += f":payload_type={rtp.video_pt}"
    audio = f"{common}:select={_tee_value('a:1')}:payload_type={rtp.audio_pt}"
    return [
        f"[{video}]rtp://{rtp.host}:{rtp.video_port}?pkt_size={rtp.pkt_size}",
        f"[{audio}]rtp://{rtp.host}:{rtp.audio_port}?pkt_size={rtp.pkt_size}",
    ]


def _tee_value(value: str) -> str:
    """A slave option's value, escaped for the tee muxer's two parsing levels."""
    return _escape(_escape(value, "\\':"), "\\'|[]")
