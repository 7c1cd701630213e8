"""Councillors per sitting on the video: Janus against the embedded relay.

Headless councillors (aiortc, bench/sfu_client.py, in worker processes that are not
measured) join one open sitting's video through the visio websocket of Daphne, one after
the other: each publishes a pre-encoded 360p 15 fps VP8 clip with Opus sound (packetized,
never encoded) and subscribes to whatever the server offers (with Janus: one connection,
feed "room", renegotiated as people join, the stage pausing the videos of all but the
chair and the thumbnails), without decoding it: RTP headers are counted at the socket
(packets, sequence gaps, frame arrivals per stream, as getStats would show them).

The number of councillors rises step by step. Once a step has settled, the CPU of the
server processes (Janus and Daphne, from /proc/<pid>/stat, not the clients') is measured
over MEASURE seconds with the media counters. A step fails when Janus or Daphne passes
80 % of one core, when more than 2 % of the packets are lost, when a stream flowing at the
start of the window stops for a second or more (frozen), or when a councillor does not
hear everyone they should; the figure is the last step that did not fail. Janus goes
first (a Janus started for the run, SEANCE_JANUS_URL set); then, in the same run, the
embedded relay (a fresh Daphne without Janus), in small steps: it decodes and encodes
again in Python.

Per step: N, Janus and Daphne %CPU, the streams forwarded (video+audio), the server's CPU
milliseconds per forwarded stream per second, loss, frozen streams, the clients' CPU and
the whole machine's (of 2 cores), then the UDP datagrams the kernel dropped on each
side's sockets and how late the clients' event loops ran: when the clients or other
processes, not the server, stop a step, its line says so, as does "limited_by" in the
last line (one JSON object: the Janus figure, the relay's as baseline, target 60).

    REDIS_URL=redis://127.0.0.1:6379/5 \
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/seance_bench \
    .venv/bin/python bench/sfu_load.py

About 8 minutes. SFU_JANUS_STEPS / SFU_RELAY_STEPS (comma-separated councillor counts),
SFU_WORKERS (load client processes, 2 by default), SFU_MEASURE (seconds, 10) change the
defaults; SFU_UVLOOP=0 runs the clients on asyncio's own loop instead of uvloop's.

The microphones are the product's: councillors come in with theirs closed, the chair's is
open, and the floor is given to one councillor (the third to join) before the run, so that
everyone hears two people. SEANCE_VISIO_START_MUTED_AFTER=N lets the first N to join come
in with their microphone open (a committee's setting), as a harder case.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import sfu_client
from common import daphne, fresh_django, last_line, session_cookie
from media import FFMPEG, CpuMeter, machine_load


def _steps(name: str, default: str) -> list[int]:
    return [int(n) for n in os.environ.get(name, default).split(",") if n.strip()]


JANUS_STEPS = _steps("SFU_JANUS_STEPS", "5,10,15,20,25,30,40,50,60,80,100")
RELAY_STEPS = _steps("SFU_RELAY_STEPS", "2,3,4,6,8,10,12")
WORKERS = int(os.environ.get("SFU_WORKERS", "2"))
MEASURE = float(os.environ.get("SFU_MEASURE", "10"))
SETTLE = 3.0  # seconds once every stream flows (or stopped coming), before measuring
CPU_LIMIT = 80.0  # % of one core, Janus or Daphne
LOSS_LIMIT = 2.0  # % of packets
TARGET = 60
CLIP_SECONDS = 10
CORES = os.cpu_count() or 1
STABLE = 15.0  # seconds without change after which a step is taken as settled
SPEAKER = 2  # the councillor given the floor: the third to join (the chair is the first)


def open_microphones(n: int) -> int:
    """The microphones open among the first n to join: the chair's, the speaker's once
    joined, and those of whoever joined a meeting smaller than
    SEANCE_VISIO_START_MUTED_AFTER (none by default)."""
    from django.conf import settings

    opened = {0, *range(min(n, settings.SEANCE_VISIO_START_MUTED_AFTER))}
    if n > SPEAKER:
        opened.add(SPEAKER)
    return len(opened)


def microphones() -> str:
    from django.conf import settings

    committee = settings.SEANCE_VISIO_START_MUTED_AFTER
    return "the chair's and the speaker's" + (
        f", and the first {committee} to join" if committee else ""
    )


def sounds_expected(n: int, label: str) -> int:
    """The sounds the n councillors must receive: each open microphone, by everyone else.
    Janus sends nothing of a closed microphone; the relay sends its silence."""
    if label == "relay":
        return n * (n - 1)
    return open_microphones(n) * (n - 1)


def make_clip() -> Path:
    """The test clip, made once: 640x360, 15 fps, VP8 at 400 kbit/s with a key frame
    every second (a new receiver of the relay waits for one), Opus at 32 kbit/s; and the
    two lower simulcast layers a browser sends beside it, 320x180 at 150 kbit/s and
    160x90 at 50 kbit/s (Chromium's targets for those sizes)."""
    folder = Path(os.environ["SEANCE_VAR_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    clip = folder / "sfu_clip_360p15_simulcast.webm"
    if not clip.exists():
        partial = clip.with_suffix(".part.webm")
        layers = "[0:v]split=3[h][m0][l0];[m0]scale=320:180[m];[l0]scale=160:90[l]"
        subprocess.run(
            [
                *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
                *("-f", "lavfi", "-i", f"testsrc2=s=640x360:r=15:d={CLIP_SECONDS}"),
                *("-f", "lavfi", "-i", f"sine=f=440:r=48000:d={CLIP_SECONDS}"),
                *("-filter_complex", layers, "-map", "[h]", "-map", "[m]", "-map", "[l]"),
                *("-map", "1:a", "-c:v", "libvpx", "-g", "15", "-keyint_min", "15"),
                *("-b:v:0", "400k", "-b:v:1", "150k", "-b:v:2", "50k"),
                *("-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0"),
                *("-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-frame_duration", "20"),
                *("-f", "webm", str(partial)),
            ],
            check=True,
        )
        partial.rename(clip)
    return clip


def seed(members: int):
    from sessions import services
    from tests import factories as f

    a = f.assembly(members=members, population=110_000)
    people = list(a.members.order_by("id").select_related("user"))  # the chair first
    s = f.sitting(a, items=1)
    services.convocation_send(sitting=s, user=f.staff(a))
    f.arrive(s, people)  # the quorum, to open the sitting
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    request = services.hand_raise(sitting=s, member=people[SPEAKER])
    services.floor_give(sitting=s, request_id=request.pk, user=people[0].user)
    return s, [session_cookie(m.user) for m in people]


def daphne_pid(port: int) -> int:
    """The Daphne serving `port` (common.daphne() gives its port, not its process)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if (
            "council.asgi:application" in words
            and str(port) in words
            and not words[0].endswith("py-spy")
        ):
            return int(entry.name)
    raise RuntimeError(f"no Daphne on port {port}")


def udp_drops(pids: list[int]) -> int:
    """Datagrams dropped by the kernel on the UDP sockets of `pids` (receive buffer full:
    the process did not read fast enough), from /proc/net/udp."""
    inodes = set()
    for pid in pids:
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 12 and fields[9] in inodes:
                    drops += int(fields[-1])
    return drops


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Clients:
    """The worker processes of load clients, filled round robin."""

    def __init__(self, port: int, sitting_id: int, clip: Path, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        url = f"ws://127.0.0.1:{port}/ws/sittings/{sitting_id}/visio/"
        origin = f"http://127.0.0.1:{port}"
        self.conns = []
        self.processes = []
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=sfu_client.worker,
                args=(theirs, url, origin, str(clip)),
                daemon=True,
            )
            process.start()
            self.conns.append(ours)
            self.processes.append(process)
        self.count = 0

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid]

    def add(self, cookies: list[str]) -> None:
        """One councillor after the other (see sfu_client's worker), in turn on each
        process."""
        for cookie in cookies:
            conn = self.conns[self.count % len(self.conns)]
            conn.send(("add", [(self.count, cookie)]))
            self.count += 1
            if not conn.poll(sfu_client.JOIN_TIMEOUT + 30):
                raise RuntimeError("a client process does not answer")
            conn.recv()

    def stats(self, reset: bool = False) -> list[dict[str, Any]]:
        for conn in self.conns:
            conn.send(("stats", reset))
        out: list[dict[str, Any]] = []
        self.lag = 0.0
        for conn in self.conns:
            if not conn.poll(60):
                raise RuntimeError("a client process does not answer")
            answer = conn.recv()
            out += answer["clients"]
            self.lag = max(self.lag, answer["lag"])
        return out

    def close(self) -> None:
        for conn in self.conns:
            with suppress(OSError):
                conn.send(("quit", None))
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()


def summary(stats: list[dict[str, Any]]) -> dict[str, Any]:
    flowing = {kind: 0 for kind in ("audio", "video")}
    expected = {kind: 0 for kind in ("audio", "video")}
    for client in stats:
        for kind in expected:
            expected[kind] += client["expected"][kind]
        for stream in client["streams"]:
            if stream[2]:
                flowing[stream[1]] += 1
    return {
        "joined": sum(c["joined"] for c in stats),
        "published": sum(c["published"] and c["publisher_connected"] for c in stats),
        "feeds": sum(c["feeds"] for c in stats),
        "connected": sum(c["connected"] for c in stats),
        "expected": expected,
        "flowing": flowing,
        "errors": [e for c in stats for e in c["errors"]],
        "renegotiations": sum(c["renegotiations"] for c in stats),
        "replaced": sum(c["replaced"] for c in stats),
        "largest_answer": max([c["largest_answer"] for c in stats] or [0]),
    }


def settle(clients: Clients, n: int, timeout: float, label: str) -> dict[str, Any]:
    """Waits until the n clients have joined, published and connected their subscriptions
    and every stream that should flow does, or, all connected, nothing changed for STABLE
    seconds, or `timeout`; then SETTLE seconds more."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1)
        s = summary(clients.stats())
        key = (s["joined"], s["published"], s["feeds"], s["connected"], str(s["flowing"]))
        if key != last:
            last, since = key, time.monotonic()
        # Every councillor in, every subscription connected; every sound that should be
        # heard (a closed microphone's m-line carries nothing) and every picture offered.
        done = s["joined"] == n and s["published"] == n and s["connected"] == s["feeds"]
        heard = s["flowing"]["audio"] >= sounds_expected(n, label)
        if done and heard and s["flowing"]["video"] == s["expected"]["video"]:
            break
        if done and time.monotonic() - since > STABLE:
            break
    time.sleep(SETTLE)
    return summary(clients.stats())


def measure(clients: Clients, servers: dict[str, int]) -> dict[str, Any]:
    """CPU of each server process and of the clients, and the media counters, over
    MEASURE seconds."""
    meters = {name: CpuMeter(lambda pid=pid: [pid]) for name, pid in servers.items()}
    meters["clients"] = CpuMeter(clients.pids)
    before = {s[0]: s for c in clients.stats(reset=True) for s in c["streams"]}
    drops0 = {name: udp_drops([pid]) for name, pid in servers.items()}
    drops0["clients"] = udp_drops(clients.pids())
    machine0 = busy_jiffies()
    for meter in meters.values():
        meter.begin()
    began = time.monotonic()  # the same clock as the clients' (CLOCK_MONOTONIC)
    while time.monotonic() - began < MEASURE:
        time.sleep(1)
        for meter in meters.values():
            meter.sample()
    elapsed = time.monotonic() - began
    machine1 = busy_jiffies()
    after_stats = clients.stats(reset=True)
    now = time.monotonic()
    drops = {name: udp_drops([pid]) - drops0[name] for name, pid in servers.items()}
    drops["clients"] = udp_drops(clients.pids()) - drops0["clients"]
    after = {s[0]: s for c in after_stats for s in c["streams"]}
    streams = {"audio": 0, "video": 0}
    expected = lost = 0
    frozen = {"audio": 0, "video": 0}
    kbps: list[float] = []  # of each video stream received: the stage's, the thumbnails'
    for key, (_, kind, packets, span, size, _frames, last_frame, max_gap) in after.items():
        old = before.get(key)
        got = packets - (old[2] if old else 0)
        if got > 0:
            streams[kind] += 1
            if kind == "video":
                kbps.append((size - (old[4] if old else 0)) * 8 / elapsed / 1000)
        if old is None or began - old[6] >= sfu_client.FREEZE_S:
            continue  # not flowing when the window began (started since, or paused): not judged
        should = span - old[3]
        expected += max(should, 0)
        lost += max(should - got, 0)
        if max_gap >= sfu_client.FREEZE_S or now - last_frame >= sfu_client.FREEZE_S:
            frozen[kind] += 1
    cpu = {name: meter.total() / elapsed * 100 for name, meter in meters.items()}
    busy = machine1[0] - machine0[0]
    total = (machine1[1] - machine0[1]) / CORES
    return {
        "cpu": cpu,
        "video_kbps": sorted(kbps),
        "streams": streams,
        "loss": lost / expected * 100 if expected else 0.0,
        "frozen": frozen,
        "machine": busy / total * 100 if total else 0.0,
        "drops": drops,
        "lag": clients.lag,
        "summary": summary(after_stats),
    }


def rates(kbps: list[float]) -> str:
    """Smallest, median and largest."""
    if not kbps:
        return "none"
    return f"{kbps[0]:.0f} / {kbps[len(kbps) // 2]:.0f} / {kbps[-1]:.0f}"


def run_backend(
    label: str, steps: list[int], port: int, servers: dict[str, int], sitting_id: int, cookies
) -> tuple[int, float | None, str]:
    """The steps on one backend: councillors reached, server CPU ms per forwarded stream
    per second at that step, and what stopped the next step."""
    clip = make_clip()
    clients = Clients(port, sitting_id, clip, WORKERS)
    reached, per_stream, limit = 0, None, "none (no step failed)"
    print(
        f"{label}: N | "
        + " | ".join(f"{name} %CPU" for name in servers)
        + " | streams forwarded (video+audio) | server CPU ms/stream/s | loss | frozen"
        + f" | clients %CPU | machine %CPU (of {100 * CORES})",
        flush=True,
    )
    try:
        for n in steps:
            if n > len(cookies):
                break
            started = time.monotonic()
            clients.add(cookies[clients.count : n])
            state = settle(clients, n, timeout=30 + 1.5 * n, label=label)
            ready = time.monotonic() - started
            result = measure(clients, servers)
            s = result["summary"]
            streams = result["streams"]["video"] + result["streams"]["audio"]
            server_cpu = sum(result["cpu"][name] for name in servers)
            ms = server_cpu * 10 / streams if streams else float("nan")
            frozen = result["frozen"]["video"] + result["frozen"]["audio"]
            cpu_text = " | ".join(f"{result['cpu'][name]:5.1f} %" for name in servers)
            missing = sum(s["expected"].values()) - sum(s["flowing"].values())
            print(
                f"{label}: N={n:3d} | {cpu_text} | "
                f"{streams:5d} ({result['streams']['video']}+{result['streams']['audio']}) | "
                f"{ms:6.3f} ms | {result['loss']:5.2f} % | {frozen:3d} "
                f"({result['frozen']['video']} video) | "
                f"{result['cpu']['clients']:5.1f} % | {result['machine']:5.1f} %",
                flush=True,
            )
            detail = (
                f"    joined {s['joined']}/{n}, published {s['published']}/{n}, "
                f"subscriptions {s['connected']}/{s['feeds']} connected, "
                f"offered video {s['expected']['video']} audio {s['expected']['audio']}, "
                f"never flowed {missing}, renegotiations {s['renegotiations']}, "
                f"connections replaced {s['replaced']}, "
                f"largest answer {s['largest_answer'] / 1024:.1f} KiB, "
                f"ready in {ready:.0f} s; video received per stream "
                f"{rates(result['video_kbps'])} kbit/s; UDP datagrams dropped by the kernel: "
                + ", ".join(f"{k} {v}" for k, v in result["drops"].items())
                + f"; clients' event loop late by up to {result['lag'] * 1000:.0f} ms; "
                f"{machine_load()}"
            )
            print(detail, flush=True)
            errors = state["errors"] + s["errors"]
            if errors:
                distinct = sorted(set(errors))
                print(f"    {len(s['errors'])} client errors, e.g. {distinct[:3]}", flush=True)
            failed = []
            for name in servers:
                if result["cpu"][name] > CPU_LIMIT:
                    failed.append(f"{name} above {CPU_LIMIT:.0f} % of a core")
            if result["loss"] > LOSS_LIMIT:
                failed.append(f"loss above {LOSS_LIMIT} %")
            if frozen:
                failed.append("frozen streams")
            if s["joined"] < n or s["published"] < n:
                failed.append("not every councillor joined and published")
            if result["streams"]["audio"] < sounds_expected(n, label):
                failed.append(
                    f"{result['streams']['audio']} sounds received of "
                    f"{sounds_expected(n, label)}: "
                    "not every councillor hears whom they should"
                )
            if not streams:
                failed.append("nothing forwarded")
            if failed:
                why = ", ".join(failed)
                server_bound = any(result["cpu"][name] > CPU_LIMIT for name in servers)
                others = result["machine"] - server_cpu - result["cpu"]["clients"]
                limit = f"server ({', '.join(failed)})"
                if not server_bound and (
                    result["lag"] >= sfu_client.FREEZE_S / 2 or result["drops"]["clients"]
                ):
                    limit = "load clients"
                    why += (
                        f"; the load clients lag (event loop late by up to "
                        f"{result['lag'] * 1000:.0f} ms, {result['drops']['clients']} "
                        "datagrams dropped on their sockets): they, not the server, limit "
                        "this step"
                    )
                if not server_bound and result["machine"] > 90 * CORES:
                    busiest = result["cpu"]["clients"] > others
                    limit = "load clients" if busiest else "other processes on the machine"
                    why += (
                        f"; the machine is saturated ({result['machine']:.0f} % of "
                        f"{100 * CORES} %: servers {server_cpu:.0f} %, load clients "
                        f"{result['cpu']['clients']:.0f} %, everything else {others:.0f} %)"
                    )
                print(f"{label}: N={n} fails: {why}", flush=True)
                break
            reached, per_stream = n, ms
    finally:
        clients.close()
    print(f"{label}: {reached} councillors reached; limited by: {limit}", flush=True)
    return reached, per_stream, limit


@contextmanager
def server():
    """common.daphne(), and its pid; a Daphne still closing its media connections 30 s
    after SIGTERM is killed rather than left behind."""
    pid = None
    try:
        with daphne() as port:
            pid = daphne_pid(port)
            yield port, pid
    except subprocess.TimeoutExpired as error:
        if pid is not None:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        print("(Daphne did not stop within 30 s of SIGTERM: killed)", flush=True)
        if error.__context__ is not None:  # stopped because of an error, or Ctrl+C
            raise error.__context__ from None


@contextmanager
def janus_environment():
    """A Janus for the run, and the variables through which Daphne reaches it."""
    from streaming.conference.janus_process import JanusProcess

    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="sfu-load-janus-"))
        janus = stack.enter_context(JanusProcess(Path(folder), debug_level=3))
        saved = {k: os.environ.get(k) for k in janus.environ()}
        os.environ.update(janus.environ())
        try:
            yield janus
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def main() -> None:
    # Ctrl+C as SIGTERM: every context below (Janus, Daphne, the clients) ends.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    for key in ("SEANCE_JANUS_URL", "SEANCE_JANUS_API_SECRET", "SEANCE_JANUS_ADMIN_KEY"):
        os.environ.pop(key, None)
    fresh_django()
    sitting, cookies = seed(max(JANUS_STEPS + RELAY_STEPS))
    make_clip()
    print(
        f"sitting {sitting.id}: {len(cookies)} councillors; microphones open: {microphones()}; "
        f"{machine_load()}",
        flush=True,
    )

    with ExitStack() as stack:
        janus = stack.enter_context(janus_environment())
        port, pid = stack.enter_context(server())
        servers = {"janus": janus.pid, "daphne": pid}
        janus_reached, janus_ms, janus_limit = run_backend(
            "janus", JANUS_STEPS, port, servers, sitting.id, cookies
        )
    with server() as (port, pid):
        servers = {"daphne": pid}
        relay_reached, relay_ms, relay_limit = run_backend(
            "relay", RELAY_STEPS, port, servers, sitting.id, cookies
        )

    def fmt(ms: float | None) -> str:
        return f"{ms:.3f} ms" if ms is not None else "n/a"

    print(
        f"councillors per sitting: Janus {janus_reached} ({fmt(janus_ms)} of server CPU per "
        f"forwarded stream per second), embedded relay {relay_reached} ({fmt(relay_ms)})"
    )
    print(
        last_line(
            "councillors_per_sitting",
            janus_reached,
            "councillors",
            relay_reached,
            TARGET,
            janus_cpu_ms_per_stream=round(janus_ms, 3) if janus_ms is not None else None,
            relay_cpu_ms_per_stream=round(relay_ms, 3) if relay_ms is not None else None,
            microphones=microphones(),
            janus_limited_by=janus_limit,
            relay_limited_by=relay_limit,
        )
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
