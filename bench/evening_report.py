"""The figures of bench/evening.py, printed, and what saturates first."""

from __future__ import annotations

from typing import Any

from common import last_line, pct

TARGET = 170.0  # % of the 200 % of two cores
DAPHNE_LIMIT = 100.0  # one Python thread: a Daphne cannot use more than one core
JANUS_LIMIT = 80.0  # bench/sfu_load.py's limit for Janus, % of a core
SPEED_STEP = 5.0  # seconds per interval of the mixers' speed


def seconds_of(out_time: str | None) -> float | None:
    """ffmpeg's -progress out_time, HH:MM:SS.micro."""
    if not out_time or out_time.startswith("-") or out_time == "N/A":
        return None
    hours, minutes, secs = out_time.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)


def number(value: Any) -> float | None:
    try:
        return float(str(value).rstrip("x"))
    except (TypeError, ValueError):
        return None


def mixer_speed(samples: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    """The speed over the window (media seconds out per wall second), its lowest over
    SPEED_STEP s intervals, ffmpeg's own last `speed=` (since the mixer's start), the
    frames made and dropped. A mixer that started again (its counters back to 0) counts
    from 0 again. Each report is timed by when ffmpeg wrote it (`reported_at`), not when
    this benchmark read it: the runner stores one a second, read here at another pace, so
    a read's time is up to two seconds after its report's, which made a 5 s step look 20 %
    slow or fast when it was neither."""
    points = [(p.get("reported_at") or t, seconds_of(p.get("out_time")), p) for t, p in samples]
    points = [(t, out, p) for t, out, p in points if out is not None]
    if len(points) < 2 or points[-1][0] <= points[0][0]:  # no report, or the same one
        return {"speed": None, "lowest": None, "reported": None, "dropped": None, "frames": 0}
    out = frames = dropped = 0.0
    restarts, lowest = 0, None
    step_t, step_out = points[0][0], 0.0
    for (_, o0, p0), (t1, o1, p1) in zip(points, points[1:], strict=False):
        f0, f1 = number(p0.get("frame")) or 0, number(p1.get("frame")) or 0
        d0, d1 = number(p0.get("drop_frames")) or 0, number(p1.get("drop_frames")) or 0
        again = o1 < o0 or f1 < f0
        restarts += again
        out += o1 if again else o1 - o0
        frames += f1 if again else f1 - f0
        dropped += d1 if again else d1 - d0
        if t1 - step_t >= SPEED_STEP:
            speed = (out - step_out) / (t1 - step_t)
            lowest = speed if lowest is None else min(lowest, speed)
            step_t, step_out = t1, out
    return {
        "speed": out / (points[-1][0] - points[0][0]),
        "lowest": lowest,
        "reported": points[-1][2].get("speed"),
        "dropped": int(dropped),
        "frames": int(frames),
        "restarts": restarts,
    }


def segment_speed(segments: list[tuple[float, float]]) -> dict[str, Any]:
    """The mixer's speed from its own writes: the media seconds of the segments it
    finished over the wall seconds between their files' modification times, over the
    window and at its lowest over spans of SPEED_STEP s at least (from one segment's end
    to a later one's: exact to the file system's clock, whatever a reader's delay)."""
    if len(segments) < 2:
        return {"speed": None, "lowest": None, "segments": len(segments)}
    lowest = None
    for i, (start, _duration) in enumerate(segments):
        made = 0.0
        for end, duration in segments[i + 1 :]:
            made += duration
            if end - start >= SPEED_STEP:
                speed = made / (end - start)
                lowest = speed if lowest is None else min(lowest, speed)
                break
    made = sum(duration for _end, duration in segments[1:])
    return {
        "speed": made / (segments[-1][0] - segments[0][0]),
        "lowest": lowest,
        "segments": len(segments),
    }


def server_total(window: dict[str, Any], groups: dict[str, Any]) -> float:
    return sum(window["cpu"][name] for name in groups)


def print_cpu(title: str, window: dict[str, Any], groups: dict[str, Any]) -> None:
    print(f"{title}: {window['seconds']:.0f} s, {window['load']}")
    for name, value in window["cpu"].items():
        side = "server" if name in groups else "load  "
        print(f"  {side} {name:<46} {value:6.1f} % of a core")
    total = server_total(window, groups)
    clients = sum(v for k, v in window["cpu"].items() if k not in groups)
    print(
        f"  servers {total:6.1f} % of 200 | load clients counted {clients:6.1f} % | whole "
        f"machine {window['machine']:6.1f} % of 200"
    )


def saturation(window: dict[str, Any], groups: dict[str, Any], mixers: list[dict]) -> str:
    """The part nearest its own limit: a mixer below real time, a Daphne near a whole
    core, Janus past sfu_load's 80 %, or the servers together past TARGET."""
    cpu = window["cpu"]
    if any(behind(m) for m in mixers):
        return "the broadcasts: a mixer fell behind real time"
    broadcast = sum(v for k, v in cpu.items() if k in groups and is_broadcast(k))
    daphne = max(v for k, v in cpu.items() if k.startswith("daphne"))
    margins = {
        "the servers together (of 170 %)": server_total(window, groups) / TARGET,
        "the busiest Daphne (of one core)": daphne / DAPHNE_LIMIT,
        "Janus (of sfu_load's 80 % of a core)": cpu.get("janus", 0.0) / JANUS_LIMIT,
    }
    name, share = max(margins.items(), key=lambda kv: kv[1])
    parts = ", ".join(f"{k} at {v * 100:.0f} %" for k, v in margins.items())
    return (
        f"{name} ({parts}); the broadcasts are {broadcast:.0f} % of the servers' "
        f"{server_total(window, groups):.0f} %, the largest part"
        if share
        else parts
    )


def behind(mixer: dict[str, Any]) -> bool:
    """Behind real time: under 0.99 over the window, or under 0.95 over SPEED_STEP s; timed
    by the segments it wrote when there are any (ffmpeg's own writes), else by its
    progress reports (each timed when the runner read it, which a busy worker delays)."""
    written = mixer.get("written") or {}
    timed = written if written.get("lowest") is not None else mixer
    return (timed["speed"] or 0) < 0.99 or (timed["lowest"] or 0) < 0.95


def _x(speed: float | None) -> str:
    return "n/a" if speed is None else f"{speed:.3f}"


def is_broadcast(name: str) -> bool:
    return name.startswith(("mixer", "ingests", "broadcast worker"))


def report(mode: str, baseline: dict, result: dict, groups: dict[str, Any]) -> None:
    print_cpu("broadcasts alone (baseline)", baseline, groups)
    print_cpu("the evening (steady window)", result, groups)
    mixers = []
    for sitting_id, samples in result["progress"].items():
        m = mixer_speed(samples)
        m["written"] = w = segment_speed(result.get("segments", {}).get(sitting_id, []))
        mixers.append(m)
        print(
            f"mixer of sitting {sitting_id}: by its progress reports, speed {_x(m['speed'])}"
            f" over the window, lowest {_x(m['lowest'])} over {SPEED_STEP:.0f} s; by the"
            f" {w['segments']} segments it wrote, {_x(w['speed'])}, lowest {_x(w['lowest'])};"
            f" ffmpeg's speed= {m['reported']}, {m.get('frames')} frames, {m['dropped']}"
            f" dropped, started again {m.get('restarts', 0)} times"
        )
    loss = [m["loss"] for m in result["media"]]
    frozen = sum(m["frozen"]["video"] + m["frozen"]["audio"] for m in result["media"])
    streams = sum(m["streams"]["video"] + m["streams"]["audio"] for m in result["media"])
    print(
        f"councillors' video: {streams} streams received, loss "
        + " / ".join(f"{x:.2f} %" for x in loss)
        + f", {frozen} frozen; clients' event loop late by up to "
        + " / ".join(f"{m['lag'] * 1000:.0f} ms" for m in result["media"])
        + (
            " (the load clients fell behind: those are their figures, not Janus's)"
            if any(m["lag"] >= 0.5 for m in result["media"])
            else ""
        )
    )
    segments = [t for h in result["hls"] for t in h.segments]
    failures = sum(h.failures for h in result["hls"])
    players = sum(h.cpu for h in result["hls"]) / result["hls_seconds"] * 100
    print(
        f"HLS: {len(segments)} segment fetches through nginx, p50 {pct(segments, 50):.1f} ms, "
        f"p99 {pct(segments, 99):.1f} ms, {failures} failures; the players' processes "
        f"{players:.1f} % of a core over their {result['hls_seconds']:.0f} s (load)"
    )
    counted = sum(result["cpu"].values()) + players
    print(
        f"the rest of the machine (not the servers, not the load): "
        f"{max(0.0, result['machine'] - counted):.1f} % of 200"
    )
    fanout, b = result["fanout"], result["ballots"]
    print(
        f"item change: {len(fanout)} clients, p50 {pct(fanout, 50):.1f} ms, "
        f"p99 {pct(fanout, 99):.1f} ms"
    )
    print(
        f"votes: {b['sent']} ballots, ack p50 {pct(b['acks'], 50):.1f} ms p99 "
        f"{pct(b['acks'], 99):.1f} ms; result p99 {pct(b['results'], 99):.1f} ms to "
        f"{len(b['results'])} clients; stored {b['stored']}, lost {b['lost']}, doubled "
        f"{b['doubled']}, refused {b['refused']}"
    )
    first = saturation(result, groups, mixers)
    print(f"saturates first: {first}")
    value, base = server_total(result, groups), server_total(baseline, groups)
    if mode == "split":  # the first machine: the servers but the broadcasts
        web = {k: v for k, v in groups.items() if not is_broadcast(k)}
        value, base = server_total(result, web), server_total(baseline, web)
        print(
            f"split: the web side (Daphne, Janus, nginx, PostgreSQL, Redis) {value:.1f} %, "
            f"the broadcasts (worker and ffmpeg, pinned to core 1) "
            f"{server_total(result, groups) - value:.1f} % of a core"
        )
    print(
        last_line(
            "evening_server_cpu",
            value,
            "%",
            base,
            TARGET,
            mode=mode,
            baseline_is=(
                "the web side with the two broadcasts alone"
                if mode == "split"
                else "the same server processes with the two broadcasts alone"
            ),
            machine_pct=round(result["machine"], 1),
            mixer_speed_lowest=round(min((m["lowest"] or 0 for m in mixers), default=0), 3),
            mixer_written_lowest=round(
                min((m["written"]["lowest"] or 0 for m in mixers), default=0), 3
            ),
            mixer_speed=[round(m["speed"] or 0, 3) for m in mixers],
            mixer_dropped=[m["dropped"] for m in mixers],
            mixers_behind=sum(behind(m) for m in mixers),
            video_loss_pct=[round(x, 2) for x in loss],
            video_frozen=frozen,
            hls_segment_p99_ms=round(pct(segments, 99), 1),
            hls_failures=failures,
            fanout_p99_ms=round(pct(fanout, 99), 1),
            ack_p99_ms=round(pct(b["acks"], 99), 1),
            result_p99_ms=round(pct(b["results"], 99), 1),
            ballots_lost=b["lost"],
            ballots_doubled=b["doubled"],
            saturates_first=first,
            load=result["load"],
        )
    )
