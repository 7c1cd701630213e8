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

from streaming.programme.config import (
    BOLD_FONT,
    FONT,
    LADDER,
    LADDERS,
    SMALL_LADDER,
    ProgrammeConfig,
    ProgrammeInput,
    Rendition,
    RtpOut,
)
from streaming.programme.outputs import encoder_args, rtp_muxing_args, tee_outputs
from streaming.programme.sound import WALLCLOCK_PTS, loudness_chains, sound_clock_filters
from streaming.programme.state import SLATES, ProgrammeState
from streaming.programme.syntax import escape_value

# The programme's description, whose parts are in their own modules; these names are read
# from here by the runner, the ingests, the video meeting and the benchmarks.
__all__ = [
    "BOLD_FONT",
    "FONT",
    "LADDER",
    "LADDERS",
    "SMALL_LADDER",
    "ProgrammeConfig",
    "ProgrammeInput",
    "Rendition",
    "RtpOut",
    "escape_value",
    "filter_graph",
    "input_args",
    "mixer_command",
]


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
