"""The programme's sound: each input's on the wall clock without the stalls of its reading,
and the programme at EBU R128's loudness (see `loudness_chains`)."""

from __future__ import annotations

from streaming.programme.syntax import escape_value

# Timestamps of every input on one clock: the wall clock since the graph started (plus a
# margin, for the frames read while the inputs were being probed).
WALLCLOCK_PTS = "PTS-RTCSTART/(TB*1000000)+2/TB"


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
