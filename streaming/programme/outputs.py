"""The mixer's encoders and muxers: the ladder's videos and the AAC sound, the HLS muxer
and this run's recording through one tee, with an RTP output the participants' picture
and Opus sound; and what the master playlist declares of each variant's bandwidth."""

from __future__ import annotations

from streaming.programme.config import ProgrammeConfig, Rendition, RtpOut
from streaming.programme.playlists import MIXER_MASTER, MIXER_PLAYLIST, PUBLIC_PLAYLIST, Bandwidth
from streaming.programme.syntax import tee_value


def rtp_muxing_args(config: ProgrammeConfig) -> list[str]:
    """The tee writes each packet as soon as it is encoded. By default it would hold the
    packets of every stream until all have caught up (up to 10 s): the RTP rendition
    behind the slowest encoder and the sound, hundreds of milliseconds in bursts. Each of
    its muxers still interleaves its own streams (HLS, the recording): their files are as
    they were."""
    if config.rtp_out is None:
        return []
    return ["-max_interleave_delta", "1"]


# x264 holds frames back to plan its bits (the preset's rc-lookahead: 10 frames at
# veryfast, 0.4 s at 25 fps, plus its sync look-ahead): 0.4 s more for every viewer, for a
# few per cent of efficiency (macroblock-tree, which needs the look-ahead: said off, or
# x264 warns at every start). The VBV still caps every segment.
NO_LOOKAHEAD = "rc-lookahead=0:sync-lookahead=0:mbtree=0"


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
        *("-x264-params", NO_LOOKAHEAD),
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
        # Under names nobody links to: `playlists.PlaylistPublisher` publishes them.
        "master_pl_name": MIXER_MASTER,
        "hls_segment_filename": f"{out}/%v/seg_%05d.m4s",
        "var_stream_map": variant_map(config),
    }


def tee_outputs(config: ProgrammeConfig, run: int) -> str:
    """One encode, two muxers: the public HLS ladder and this run's recording (the top
    rendition and the sound in MPEG-TS, which survives a crash). With an RTP output, two
    more (RTP carries one stream each) and the Opus sound kept out of the first two."""
    hls = ":".join(f"{key}={tee_value(value)}" for key, value in hls_options(config).items())
    if config.rtp_out is None:
        recording = f"f=mpegts:select={tee_value('v:0,a')}:onfail=ignore"
    else:
        ladder = ",".join(f"v:{i}" for i in range(len(config.ladder)))
        hls += f":select={tee_value(ladder + ',a:0')}"  # not the participants' picture
        recording = f"f=mpegts:select={tee_value('v:0,a:0')}:onfail=ignore"
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
    video = f"{common}:select={tee_value(f'v:{config.rtp_video}')}:bsfs/v=dump_extra"
    video += f":payload_type={rtp.video_pt}"
    audio = f"{common}:select={tee_value('a:1')}:payload_type={rtp.audio_pt}"
    return [
        f"[{video}]rtp://{rtp.host}:{rtp.video_port}?pkt_size={rtp.pkt_size}",
        f"[{audio}]rtp://{rtp.host}:{rtp.audio_port}?pkt_size={rtp.pkt_size}",
    ]
