"""10,000 citizens on one 2-core server: each plays the HLS as hls.js does (playlists and
segments through the shipped nginx) and follows the public page's live state, which nginx
holds too (nchan, EventSource: sessions/live/public_feed.py); an item change and a vote
result must reach all of them (p99 <= 1 s) while segment fetches stay p99 <= 1 s.

Phases, in one run, on the same nginx (deploy/nginx/seance.conf as bench/hls_serve.py
starts it, with worker_connections raised as deploy/README.md says):
  seance    Daphne up (the upstream), the sitting's services run in this process: an item
            taken up, then a vote opened and closed (its result); each commit's public frame
            is published by Séance's own code (public_feed) to nchan's loopback publisher.
  baseline  Daphne stopped, no Séance code: the same frames POSTed to the same publisher by
            a bare HTTP client, and the same HLS load.
Latency of an event: from just before the service call (seance) or the bare POST
(baseline) to the frame's arrival at each of the 10,000 EventSources.

The viewers, all 10,000 at once for the whole phase (a 2-core server serving 10,000 at
720p would be bound by bandwidth, ~28 Gbit/s, not by the design):
  - 9,500 play the audio-only rendition (AAC 128 kbit/s), 500 the lowest video rendition
    (360p, 800 kbit/s, plus the audio): about 1.7 Gbit/s of segments (printed, measured);
  - each polls its media playlist(s) every second and fetches the newest segment every
    second (1 s segments), as hls.js at the live edge: 10,500 playlist polls and 10,500
    segment fetches a second. Load generator: Debian's wrk (C, epoll) with a Lua script:
    one wrk for the segments, 10,500 keep-alive connections (one per rendition played),
    one request a second each (wrk's delay()), the newest segment's name read from the
    playlist on disk; one wrk for the playlists, 2,100 connections polling 5 times a
    second (this machine allows 20,000 descriptors a process: nginx's two workers could
    not hold 31,000 connections);
  - each holds one EventSource (HTTP/1.0 text/event-stream, idle between events): asyncio
    (uvloop) clients in SUBSCRIBER_PROCESSES processes, bound to 127.0.0.2... so that the
    loopback's ephemeral ports suffice.
The live ladder (360p + audio) is written by one ffmpeg (ultrafast) beside the load; the
clients share the 2 cores with the servers (their CPU is printed).

    .venv/bin/python bench/public_scale.py    (root: installs wrk, raises the open files)
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hls_serve
from common import last_line
from eventsource import collect, initial_frame, latencies, publisher_url, start_subscribers
from hls_serve import daphne, start_nginx
from media import cpu_seconds, free_port, ladder_command, machine_load, pct, start, stop, wait_for

VIEWERS = int(os.environ.get("BENCH_VIEWERS", 10_000))
VIDEO_VIEWERS = int(os.environ.get("BENCH_VIDEO_VIEWERS", VIEWERS // 20))
SUBSCRIBER_PROCESSES = 4
PLAYLIST_PACE = 5  # playlist polls a second per wrk connection (segments: 1)
PHASE = float(os.environ.get("BENCH_PHASE", 36))  # seconds of HLS load per phase
AT_ITEM, AT_VOTE_OPEN, AT_RESULT = 12.0, 18.0, 24.0  # seconds into a phase
LADDER = (("360p", 640, 360, 800),)
WRK = shutil.which("wrk") or "/usr/bin/wrk"
OPEN_FILES = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # the most this machine allows
EVENTS = ("sittings.item_taken_up", "voting.vote_closed")

LUA = r"""
-- One request per second per connection; the newest segment's name from the playlist on
-- disk (hls.js reads it from the playlist it has just polled through nginx).
local kind, dir, prefix, video_share = "%(kind)s", "%(dir)s", "%(prefix)s", %(share)f
local newest, counter = {}, 0
local function refresh(rendition)
  local f = io.open(dir .. "/" .. rendition .. "/index.m3u8", "r")
  if not f then return end
  local last
  for line in f:lines() do
    if line:sub(1, 1) ~= "#" and #line > 0 then last = line end
  end
  f:close()
  if last then newest[rendition] = last end
end
function setup(thread) thread:set("id", tostring(thread)) end
function init(args) math.randomseed(os.time() + #tostring({})) end
function delay() return math.random(900, 1100) / %(pace)d end
function request()
  counter = counter + 1
  local rendition = (math.random() < video_share) and "360p" or "audio"
  if kind == "playlists" then
    return wrk.format("GET", prefix .. "/" .. rendition .. "/index.m3u8")
  end
  if counter %% 50 == 1 or not newest[rendition] then refresh(rendition) end
  return wrk.format("GET", prefix .. "/" .. rendition .. "/" .. (newest[rendition] or "init.mp4"))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %%d, "bytes": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d,' ..
    ' "p99": %%d, "max": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d,' ..
    ' "timeout": %%d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read,
    e.write, e.status, e.timeout))
end
"""


# --- the HLS players ---------------------------------------------------------------------


def start_wrk(kind: str, port: int, hls: Path, prefix: str, tmp: Path) -> subprocess.Popen[str]:
    script = tmp / f"{kind}.lua"
    connections = VIEWERS + VIDEO_VIEWERS
    share = VIDEO_VIEWERS / connections
    # The playlists' polls ride PLAYLIST_PACE times fewer connections, as many requests a
    # second: a worker holds 20,000 descriptors at most here (ulimit), not 31,000 / 2.
    pace = PLAYLIST_PACE if kind == "playlists" else 1
    connections //= pace
    values = {"kind": kind, "dir": str(hls), "prefix": prefix, "share": share, "pace": pace}
    script.write_text(LUA % values)
    command = [WRK, "-t2", f"-c{connections}", f"-d{PHASE:.0f}s", "--timeout", "10s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}{prefix}/audio/index.m3u8"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_result(process: subprocess.Popen[str]) -> dict:
    out, _ = process.communicate(timeout=PHASE + 60)
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{out[-2000:]}")
    result = json.loads(line[7:])
    result["cpu"] = 0.0
    return result


# --- the servers --------------------------------------------------------------------------


def nginx_config_for_many(tmp: Path) -> str:
    """bench/hls_serve.py's nginx.conf, with the connections deploy/README.md asks for."""
    text = shipped_nginx_config(tmp)
    # Two workers share the 22,600 connections; each may hold OPEN_FILES descriptors.
    events = f"worker_connections {OPEN_FILES - 500};"
    text = text.replace("worker_connections 4096;", events)
    return text.replace("daemon off;", f"daemon off;\nworker_rlimit_nofile {OPEN_FILES};")


shipped_nginx_config = hls_serve.nginx_config
hls_serve.nginx_config = nginx_config_for_many


def site_config_for_many(tmp: Path, http_port: int, https_port: int, daphne_port: int) -> str:
    """The shipped site as bench/hls_serve.py rewrites it, its listening socket one per
    worker (reuseport): the kernel spreads the connections evenly, where a shared socket
    lets one worker take most (and run out of descriptors)."""
    text = shipped_site_config(tmp, http_port, https_port, daphne_port)
    return text.replace(
        f"listen 127.0.0.1:{https_port};", f"listen 127.0.0.1:{https_port} reuseport;"
    )


shipped_site_config = hls_serve.site_config
hls_serve.site_config = site_config_for_many


def server_pids(name: str, needle: str = "") -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if name in cmdline and needle in cmdline:
            pids.append(int(proc.name))
    return pids


def cpu_of(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


def ensure_tools() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    if OPEN_FILES < VIEWERS + VIDEO_VIEWERS + 1000:  # one wrk's connections
        sys.exit(f"{OPEN_FILES} open files at most a process: raise the hard `ulimit -n`")
    if not Path(WRK).exists():
        if os.geteuid() != 0:
            sys.exit("wrk is missing: apt-get install wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if proc.name.isdigit() and int(stat[1]) == pid:
            found.append(int(proc.name))
    return found


# --- the run ----------------------------------------------------------------------------------


class Recorder:
    """Séance's own publisher, timed: what each commit published, how long the commit's
    thread spent handing it over (publish_state), and how long nginx took to take it
    (publish, on the publishing thread)."""

    def __init__(self) -> None:
        from sessions.live import public_feed

        self.module = public_feed
        self.publish, self.publish_state = public_feed.publish, public_feed.publish_state
        self.frames: list[tuple[str, str]] = []
        self.handing: list[float] = []
        self.posting: list[float] = []
        self.started: dict[str, float] = {}  # frame type -> when its POST began
        self.services: dict[str, float] = {}  # event -> ms its service call took
        public_feed.publish = self.timed_publish  # type: ignore[assignment]
        public_feed.publish_state = self.timed_publish_state  # type: ignore[assignment]

    def timed_publish(self, channel: str, text: str, base: str = "") -> bool:
        began, wall = time.perf_counter(), time.time()
        ok = self.publish(channel, text, base)
        self.posting.append((time.perf_counter() - began) * 1000)
        self.frames.append((channel, text))
        self.started[json.loads(text)["type"]] = wall
        return ok

    def timed_publish_state(self, sitting_id: int, text: str, *, whole: bool = True) -> None:
        began = time.perf_counter()
        self.publish_state(sitting_id, text, whole=whole)
        self.handing.append((time.perf_counter() - began) * 1000)


def seance_events(sitting, recorder: Recorder, began: float) -> dict[str, float]:
    """The chair's three steps, by the services, at their times into the phase."""
    from sessions import services
    from voting import services as voting

    second = sitting.items.order_by("position").last()
    t0 = {}
    until(began + AT_ITEM)
    t0[EVENTS[0]] = time.time()
    services.item_take_up(sitting=sitting, item=second, user=None)
    recorder.services[EVENTS[0]] = (time.time() - t0[EVENTS[0]]) * 1000
    until(began + AT_VOTE_OPEN)
    vote = voting.vote_open(item=second, kind="hands", user=None)
    until(began + AT_RESULT)
    t0[EVENTS[1]] = time.time()
    voting.vote_close(vote=vote, user=None, counts={"for": len(vote.eligible), "against": 0})
    recorder.services[EVENTS[1]] = (time.time() - t0[EVENTS[1]]) * 1000
    return t0


def bare_events(frames: list[tuple[str, str]], url: str, began: float) -> dict[str, float]:
    """The same frames, POSTed by a bare HTTP client: no Séance code at all."""
    by_type = {json.loads(text)["type"]: (channel, text) for channel, text in frames}
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    t0 = {}
    for at, kind in ((AT_ITEM, EVENTS[0]), (AT_VOTE_OPEN, "voting.vote_opened"),
                     (AT_RESULT, EVENTS[1])):  # fmt: skip
        until(began + at)
        channel, text = by_type[kind]
        t0[kind] = time.time()
        conn.request("POST", f"/{parts[3]}{channel}", body=text.encode())
        conn.getresponse().read()
    return {k: v for k, v in t0.items() if k in EVENTS}


def until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def phase(name: str, events, hls: Path, port: int, prefix: str, tmp: Path, servers: dict):
    """The HLS load for PHASE seconds and, meanwhile, the events; their figures."""
    before = {k: cpu_of(v) for k, v in servers.items()}
    self_before, kids_before = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.time()
    wrks = [start_wrk(kind, port, hls, prefix, tmp) for kind in ("playlists", "segments")]
    t0 = events(began)
    playlists, segments = (wrk_result(w) for w in wrks)
    elapsed = time.time() - began
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {k: (cpu_of(v) - before[k]) / elapsed for k, v in servers.items()}
    cpu["this process"] = (time.process_time() - self_before) / elapsed
    cpu["wrk"] = kids.ru_utime + kids.ru_stime - kids_before.ru_utime - kids_before.ru_stime
    cpu["wrk"] /= elapsed
    return {"name": name, "t0": t0, "playlists": playlists, "segments": segments, "cpu": cpu}


def report(result: dict, arrivals: list) -> dict[str, float]:
    figures = {}
    for kind in EVENTS:
        ms = latencies(arrivals, kind, result["t0"][kind])
        missing = sum(1 for x in ms if x >= 60_000)
        figures[kind] = pct(ms, 99)
        print(
            f"{result['name']:<9} {kind:<23} to {len(ms)} citizens: p50 {pct(ms, 50):6.0f} "
            f"p95 {pct(ms, 95):6.0f} p99 {pct(ms, 99):6.0f} max {max(ms):6.0f} ms"
            f" | missing {missing}"
        )
    seg, pl = result["segments"], result["playlists"]
    mbits = seg["bytes"] * 8 / seg["duration_us"]
    errors = {k: seg[k] + pl[k] for k in ("connect", "read", "write", "status", "timeout")}
    print(
        f"{result['name']:<9} segments n={seg['requests']} p50 {seg['p50'] / 1000:.1f} "
        f"p95 {seg['p95'] / 1000:.1f} p99 {seg['p99'] / 1000:.1f} max {seg['max'] / 1000:.0f} ms"
        f" ({mbits:.0f} Mbit/s) | playlists n={pl['requests']} p99 {pl['p99'] / 1000:.1f} ms"
        f" | errors {errors}"
    )
    print(
        f"{result['name']:<9} CPU (cores): "
        + ", ".join(f"{k} {v:.2f}" for k, v in result["cpu"].items())
    )
    figures["segments"] = seg["p99"] / 1000
    figures["mbits"] = mbits
    figures["errors"] = sum(errors.values())
    return figures


def main() -> None:
    ensure_tools()
    tmp = Path(tempfile.mkdtemp(prefix="bench-public-"))
    tmp.chmod(0o755)
    hls_root = tmp / "lib/hls"
    os.environ["SEANCE_HLS_DIR"] = str(hls_root)
    from common import fresh_django

    fresh_django()
    from tests import factories as f

    sitting = f.in_session(f.assembly(members=15, population=1_000), present=15, items=2)
    out = hls_root / str(sitting.pk)
    out.mkdir(parents=True)
    for folder in (tmp / "lib", hls_root, out):
        folder.chmod(0o755)
    producer = start(ladder_command(out, LADDER, "ultrafast"))
    nginx = None
    try:
        wait_for(lambda: len(list(out.glob("360p/seg_*.m4s"))) >= 3, timeout=30)
        port = free_port()
        results = []
        with daphne() as daphne_port:
            nginx = start_nginx(tmp, port, daphne_port)
            from django.conf import settings

            settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = publisher_url(tmp)
            recorder = Recorder()
            recorder.module.publish_state(sitting.id, initial_frame(sitting))  # as on opening
            pipes = start_subscribers(port, sitting.id, VIEWERS, SUBSCRIBER_PROCESSES)
            servers = {
                "nginx": [nginx.pid, *children(nginx.pid)],
                "Daphne": server_pids("daphne", f"-p {daphne_port}"),
            }
            print(f"at the start: {machine_load()}")
            prefix = f"/hls/{sitting.pk}"
            results.append(
                phase("seance", lambda b: seance_events(sitting, recorder, b), out,
                      port, prefix, tmp, servers)
            )  # fmt: skip
        recorder.module.flush()
        time.sleep(3)
        servers = {"nginx": servers["nginx"]}
        frames = [(c, t) for c, t in recorder.frames if not c.endswith("-count")]
        results.append(
            phase("baseline", lambda b: bare_events(frames, publisher_url(tmp), b), out,
                  port, prefix, tmp, servers)
        )  # fmt: skip
        arrivals, subscriber_cpu = collect(pipes)
    finally:
        stop([nginx, producer])
        nginx_errors(tmp / "error.log")
        shutil.rmtree(tmp, ignore_errors=True)
    summary(results, arrivals, subscriber_cpu, recorder)


def nginx_errors(log: Path) -> None:
    """What nginx complained of (a failed request in wrk's counts has its reason here)."""
    kinds: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if "[warn]" in line and "variables_hash" in line or "[notice]" in line:
            continue
        kind = re.sub(r"^\S+ \S+ |\d+#\d+: (\*\d+ )?|, client: .*$", "", line)[:100]
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]:
        print(f"nginx error log: {n} x {kind}")


def summary(results: list, arrivals: list, subscriber_cpu: float, recorder: Recorder) -> None:
    print(
        f"{VIEWERS} citizens ({VIEWERS - VIDEO_VIEWERS} audio-only, {VIDEO_VIEWERS} at 360p), "
        f"{PHASE:.0f} s a phase; EventSource clients' CPU {subscriber_cpu:.1f} s in all"
    )
    seance, baseline = (report(r, arrivals) for r in results)
    timings = (
        ("on the commit path (hand-over)", recorder.handing),
        ("nginx taking the POST (publishing thread)", recorder.posting),
    )
    for what, took in timings:
        print(
            f"publish {what}: n={len(took)} p50 {pct(took, 50):.2f} "
            f"p99 {pct(took, 99):.2f} max {max(took, default=0):.2f} ms"
        )
    t0 = results[0]["t0"]
    for kind in EVENTS:
        print(
            f"seance    {kind}: the service call took {recorder.services[kind]:.0f} ms, its "
            f"POST to nchan began {(recorder.started[kind] - t0[kind]) * 1000:.0f} ms after t0"
        )
    sizes = sorted({len(text) for _channel, text in recorder.frames})
    print(f"frames published: {len(recorder.frames)}, {sizes[0]}-{sizes[-1]} bytes each")
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    value = max(seance[k] for k in EVENTS)
    base = max(baseline[k] for k in EVENTS)
    print(
        last_line(
            "public_event_p99",
            value,
            "ms",
            base,
            1000,
            citizens=VIEWERS,
            video_viewers=VIDEO_VIEWERS,
            item_change_p99=round(seance[EVENTS[0]], 1),
            vote_result_p99=round(seance[EVENTS[1]], 1),
            segment_p99_ms=round(seance["segments"], 1),
            segment_p99_baseline_ms=round(baseline["segments"], 1),
            segments_mbit_s=round(seance["mbits"]),
            http_errors=seance["errors"],
        )
    )


if __name__ == "__main__":
    main()
