"""The shared IT department's evening on one 2-core server: a commune's and an
intercommunality's sittings open at once, each broadcast (and recorded) with the ladder
the README gives a small machine (SEANCE_BROADCAST_LADDER=small; EVENING_LADDER=full to
compare), 30 councillors by video across the two (15 + 15, Janus, the stage), 1,000
public viewers (500 + 500: each an EventSource on nginx's nchan for the live state, as the
public page follows a sitting in production, and HLS fetched as hls.js does), an item
change and a vote in each sitting.

The server side is started as deploy/ says (bench/evening_servers.py): two Daphne
instances and the broadcast worker from the shipped units' ExecStart lines (the worker at
its Nice=5, running the real runners and mixer supervisors, live captions as the
production env file has them), nginx on deploy/nginx/seance.conf (plain HTTP on the HTTPS
block, as bench/hls_serve.py: TLS would be the load clients' cost), Janus; PostgreSQL and
Redis are the machine's (database seance_eve, Redis db 12). Everything the clients do
goes through nginx: the councillors' video signalling (bench/sfu_client.py's aiortc
clients in their own processes, pre-encoded VP8 simulcast, RTP counted not decoded), the
seats' websockets (this process), the citizens' EventSources (bench/eventsource.py, a
process per sitting; Séance publishes each commit's public frame to nchan as
production.env has it), the HLS players (bench/hls_serve.py's viewers, in forked
processes). The three cameras of each room are looped pre-encoded
MPEG-TS clips (`-c copy`, a per cent of a core each) so that the load costs little. The
councillors' clients and the HLS players run at nice 19: on the evening they are other
people's machines, so here they give way to the servers (the broadcast worker's ffmpeg
runs at the unit's Nice=5); when the cores are full, their figures (media loss, their
event loop's lag, segment times) degrade first, and the bench says so.

Measured, from each server process's own /proc/<pid>/stat (utime + stime, its threads;
children counted as processes of their own), over BASELINE s with the two broadcasts
alone and over the steady WINDOW s of the evening: each Daphne, the broadcast worker
(runners, relays, captions), each sitting's mixer and its ingests and slate, Janus, nginx's
processes, the PostgreSQL backends of the database, the machine's Redis (shared with other
users of the machine: its figure may include theirs). The load clients' CPU is printed
apart. During the window: the mixers' speed from their own progress reports
(out_time against the wall clock, per 5 s and over the window; must stay >= 1.0), their
dropped frames, the councillors' media (loss, frozen streams), HLS segment fetch p99, an
item change in each sitting (p99 to every client of that sitting), a vote in each
(every present councillor casting at once: ack p99, result p99 to every client, ballots
lost and doubled); then what saturates first. Last line: one JSON object, the servers' %
of the 200 % of the two cores, baseline the same servers with the broadcasts alone.

    .venv/bin/python bench/evening.py          (about 5 minutes)
    .venv/bin/python bench/evening.py split    (see SPLIT below)

SPLIT: the broadcast worker and its ffmpeg children pinned to core 1 (taskset -a,
inherited by the children started later) and the web side (Daphne, Janus, nginx), the
cameras and the load clients to core 0: the two machines of the split deploy/README.md
recommends (the broadcasts on a second machine), one core each. One machine still: the
load clients share core 0 with the web side, and the machine's PostgreSQL, Redis and any
other process are not pinned. The last line's value is then the web side's CPU (its
baseline the web side with the broadcasts alone); the broadcasts' is printed beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/seance_eve")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("SEANCE_VAR_DIR", "/tmp/var-eve")
VAR = Path(os.environ["SEANCE_VAR_DIR"])
SITE = VAR / "site"  # nginx's prefix; the HLS under its lib/hls, as hls_serve lays it out
os.environ.setdefault("SEANCE_HLS_DIR", str(SITE / "lib/hls"))
os.environ.setdefault("SEANCE_RECORDING_DIR", str(VAR / "recordings"))
os.environ["SEANCE_BROADCAST_LADDER"] = os.environ.get("EVENING_LADDER", "small")
os.environ.setdefault("ALLOWED_HOSTS", "seance.example.fr,127.0.0.1,localhost")

import evening_report  # noqa: E402
import eventsource  # noqa: E402
import hls_serve  # noqa: E402
import sfu_load  # noqa: E402
from common import TIMEOUT, connect_clients, fresh_django, session_cookie  # noqa: E402
from evening_servers import (  # noqa: E402
    Accounts,
    daphne_ports,
    descendants,
    named,
    start_broadcast_worker,
    start_daphnes,
    start_nginx,
    stop_all,
    unit_env,
)
from media import CAMERAS, FFMPEG, camera_command, free_port, machine_load, wait_for  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "evening"
BASELINE, WINDOW = 20.0, 60.0
ITEM_AT, VOTE_AT = 10.0, 25.0  # seconds into the window
VIDEO, PUBLIC = 15, 500  # per sitting
ITEM_EVENT, RESULT_EVENT = "sittings.item_taken_up", "voting.vote_closed"
HLS_RAMP, CONNECT_BUDGET = 8.0, 45.0
# (label, assembly kind, members, population): a commune of some 10,000 inhabitants (29
# councillors) and its intercommunality (45 delegates).
SITTINGS = (("commune", "commune", 29, 10_000), ("intercommunality", "epci", 45, 60_000))


def camera_clip(name: str, colour: str, tone: int) -> Path:
    """media.camera_command's picture and sound, 10 s encoded once into a file."""
    clip = VAR / f"camera-{name}.ts"
    if not clip.exists():
        command = [a for a in camera_command(name, colour, tone, "-") if a != "-re"][:-1]
        partial = clip.with_suffix(".part.ts")
        subprocess.run([*command, "-t", "10", "-y", str(partial)], check=True)
        partial.rename(clip)
    return clip


def camera_loop(clip: Path, url: str) -> list[str]:
    """A camera on the network: the clip in real time, looping, not encoded again."""
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re"),
        *("-stream_loop", "-1", "-i", str(clip), "-c", "copy"),
        *("-f", "mpegts", f"{url}?pkt_size=1316"),
    ]


def seed(label: str, kind: str, members: int, population: int, urls: list[str]):
    """An assembly, its chamber's cameras, an open sitting with its first item taken up and
    the floor given to the third to join the video (as sfu_load.seed)."""
    from council.models import Room
    from sessions import services
    from streaming.models import Camera
    from tests import factories as f

    a = f.assembly(kind=kind, members=members, population=population, name=label.title())
    room = Room.objects.get(assembly=a, kind=Room.Kind.CHAMBER)
    for position, ((name, _, _), url) in enumerate(zip(CAMERAS, urls, strict=True), 1):
        Camera.objects.create(room=room, name=name, feed_url=url, position=position)
    people = list(a.members.order_by("id").select_related("user"))
    s = f.sitting(a, items=3)
    services.convocation_send(sitting=s, user=f.staff(a))
    f.arrive(s, people)
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.item_take_up(sitting=s, item=s.items.order_by("position").first(), user=None)
    request = services.hand_raise(sitting=s, member=people[sfu_load.SPEAKER])
    services.floor_give(sitting=s, request_id=request.pk, user=people[0].user)
    s.refresh_from_db()
    return s, {m.id: session_cookie(m.user) for m in people}


class Broadcasts:
    """What the runners report of each sitting's mixer (Broadcast.health, written once a
    second) and the database's backends, read on the sampler's thread."""

    def __init__(self, labels: dict[int, str]) -> None:
        import psycopg

        self.labels = labels
        self.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        self.lock = threading.Lock()
        self.mixer: dict[int, int | None] = {}
        self.pids: dict[int, list[int]] = {}
        self.progress: dict[int, list[tuple[float, dict[str, Any]]]] = {s: [] for s in labels}
        # Each sitting's segments of one rendition: name -> (when ffmpeg wrote it, seconds).
        self.segments: dict[int, dict[str, tuple[float, float]]] = {s: {} for s in labels}
        self.backends: list[int] = []

    def refresh(self) -> None:
        with self.lock:
            rows = self.conn.execute(
                "SELECT sitting_id, state, pid, pids, health->'progress' FROM streaming_broadcast"
            ).fetchall()
            backends = self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
        now = time.monotonic()
        for sitting_id, _state, pid, pids, progress in rows:
            self.mixer[sitting_id] = pid
            self.pids[sitting_id] = list(pids or [])
            if progress and sitting_id in self.progress:
                self.progress[sitting_id].append((now, progress))
        for sitting_id, known in self.segments.items():
            new_segments(sitting_id, known)
        self.backends = [pid for (pid,) in backends]

    def states(self) -> dict[int, str]:
        with self.lock:
            rows = self.conn.execute("SELECT sitting_id, state FROM streaming_broadcast")
            return dict(rows.fetchall())

    def others(self, sitting_id: int) -> list[int]:
        return [p for p in self.pids.get(sitting_id, []) if p != self.mixer.get(sitting_id)]


def new_segments(sitting_id: int, known: dict[str, tuple[float, float]]) -> None:
    """Add to `known` the segments of the sitting's first rendition that its mixer's own
    playlist lists: each with its duration and the time ffmpeg finished writing it (the
    file's modification time, which no reader's delay moves)."""
    from streaming.hls import hls_dir
    from streaming.programme.playlists import MIXER_PLAYLIST

    playlists = sorted(hls_dir(sitting_id).glob(f"*/{MIXER_PLAYLIST}"))
    if not playlists:
        return
    folder, duration = playlists[0].parent, None
    try:
        lines = playlists[0].read_text().splitlines()
    except OSError:
        return
    for line in lines:
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            if line not in known:  # (a segment deleted meanwhile: the window slid on)
                with contextlib.suppress(OSError):
                    known[line] = ((folder / line).stat().st_mtime, duration)
            duration = None


def server_groups(servers: dict[str, Any], tracker: Broadcasts) -> dict[str, Any]:
    """The server processes, by group: name -> a function listing its pids now."""
    worker = servers["worker"]
    groups: dict[str, Any] = {
        f"daphne :{port}": (lambda p=p: [p.pid]) for port, p in servers["daphnes"].items()
    }
    groups["broadcast worker (runners, relays, captions)"] = lambda: [worker.pid]
    for sitting_id, label in tracker.labels.items():
        groups[f"mixer, {label}"] = lambda s=sitting_id: [tracker.mixer.get(s) or 0]
        groups[f"ingests + slate, {label}"] = lambda s=sitting_id: tracker.others(s)

    def worker_others() -> list[int]:
        known = {p for s in tracker.labels for p in tracker.pids.get(s, [])}
        return [p for p in descendants(worker.pid) if p not in known]

    groups["broadcast worker's other children"] = worker_others
    groups["janus"] = lambda: [servers["janus"].pid]
    nginx = servers["nginx"]
    groups["nginx (master + workers)"] = lambda: [nginx.pid, *descendants(nginx.pid)]
    groups["postgresql backends"] = lambda: tracker.backends
    groups["redis-server (shared)"] = lambda: named("redis-server")
    return groups


def yield_to_servers(pids: list[int]) -> None:
    """The load clients at nice 19: on the machine they share with the servers, they give
    way (on the evening itself they are the citizens' and councillors' own machines)."""
    for pid in pids:
        with suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


def forked_players() -> list[int]:
    """hls_serve's viewer processes: this process's forks (same command line)."""
    own = Path("/proc/self/cmdline").read_bytes()
    found = []
    for pid in descendants(os.getpid()):
        with suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                found.append(pid)
    return found


def pin(pids: list[int], core: int) -> None:
    """SPLIT: these processes and their threads on one core (taskset -a)."""
    for pid in pids:
        with suppress(OSError, subprocess.CalledProcessError):
            subprocess.run(
                ["taskset", "-a", "-p", "-c", str(core), str(pid)],
                check=True,
                stdout=subprocess.DEVNULL,
            )


def start_broadcasts(sittings: list[Any], tracker: Broadcasts) -> None:
    from streaming.broadcast import broadcast_start
    from streaming.hls import hls_dir

    for s in sittings:
        broadcast_start(sitting=s, user=None)

    def live() -> bool:
        tracker.refresh()
        states = tracker.states()
        return all(
            states.get(s.id) == "live" and len(list(hls_dir(s.id).glob("*/seg_*.m4s"))) >= 4
            for s in sittings
        )

    wait_for(live, 120, step=1.0)


# --- the clients: the seats' websockets (this process), the citizens' EventSources ---------


class Listener:
    """Reads one websocket all the time (nothing queues up in the server): the first
    arrival of each event type since it was last forgotten, and acknowledgements by ref."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.times: dict[str, float] = {}
        self.acks: dict[str, float] = {}
        self.refused: list[dict[str, Any]] = []
        self.task = asyncio.ensure_future(self.run())

    async def run(self) -> None:
        with suppress(Exception):
            async for text in self.ws:
                at = time.perf_counter()
                message = json.loads(text)
                kind = message.get("type")
                if kind == "ack":
                    self.acks[message.get("ref")] = at
                elif kind == "error":
                    self.refused.append(message)
                elif kind not in self.times:
                    self.times[kind] = at


async def all_have(listeners: list[Listener], kind: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(kind not in x.times for x in listeners):
        await asyncio.sleep(0.02)


async def item_change(sittings, clients, walls: dict[int, float]) -> list[float]:
    """The next item taken up in each sitting; ms until each of its seats has it (its
    wall-clock start in `walls`, for the citizens' EventSources)."""
    from asgiref.sync import sync_to_async

    from sessions import services

    times: list[float] = []
    for s in sittings:
        for x in clients[s.id]:
            x.times.pop("sittings.item_taken_up", None)
    starts = {}
    for s in sittings:
        item = await sync_to_async(lambda s=s: list(s.items.order_by("position"))[1])()
        starts[s.id], walls[s.id] = time.perf_counter(), time.time()
        await sync_to_async(services.item_take_up)(sitting=s, item=item, user=None)
    for s in sittings:
        await all_have(clients[s.id], "sittings.item_taken_up")
        for x in clients[s.id]:
            at = x.times.get("sittings.item_taken_up")
            times.append((at - starts[s.id]) * 1000 if at else TIMEOUT * 1000)
    return times


async def votes(sittings, seats, clients, walls: dict[int, float]) -> dict[str, Any]:
    """A vote in each sitting, every present councillor casting at once (each close's
    wall-clock time in `walls`)."""
    from asgiref.sync import sync_to_async

    from sessions.models import Sitting
    from voting import services as voting

    opened = {}
    for s in sittings:
        for x in clients[s.id]:
            x.times.pop("voting.vote_closed", None)
        item = await sync_to_async(lambda s=s: Sitting.objects.get(pk=s.pk).current_item)()
        opened[s.id] = await sync_to_async(voting.vote_open)(
            item=item, kind="electronic", user=None
        )
    for s in sittings:
        await all_have(list(seats[s.id].values()), "voting.vote_opened")
    sent: dict[str, tuple[int, float]] = {}  # ref -> (sitting, sent at)

    async def cast(sitting_id: int, member_id: int, x: Listener) -> None:
        ref = uuid.uuid4().hex
        message = {"action": "ballot", "vote": opened[sitting_id].id, "client_id": ref}
        message |= {"choice": "for" if member_id % 3 else "against", "ref": ref}
        sent[ref] = (sitting_id, time.perf_counter())
        await x.ws.send(json.dumps(message))

    await asyncio.gather(*(cast(s.id, m, x) for s in sittings for m, x in seats[s.id].items()))
    everyone = [x for s in sittings for x in seats[s.id].values()]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        answered = sum(len(x.acks) for x in everyone) + sum(len(x.refused) for x in everyone)
        if answered >= len(sent):
            break
        await asyncio.sleep(0.02)
    acks = [(at - sent[ref][1]) * 1000 for x in everyone for ref, at in x.acks.items()]
    result_ms: list[float] = []
    for s in sittings:
        close_at, walls[s.id] = time.perf_counter(), time.time()
        await sync_to_async(voting.vote_close)(vote=opened[s.id], user=None, confirm=True)
        await all_have(clients[s.id], "voting.vote_closed")
        for x in clients[s.id]:
            at = x.times.get("voting.vote_closed")
            result_ms.append((at - close_at) * 1000 if at else TIMEOUT * 1000)
    stored, distinct = await sync_to_async(ballots_stored)([v.id for v in opened.values()])
    acked = {ref for x in everyone for ref in x.acks}
    return {
        "sent": len(sent),
        "acks": acks,
        "results": result_ms,
        "stored": stored,
        "lost": len(acked) - distinct,
        "doubled": stored - distinct,
        "refused": sum(len(x.refused) for x in everyone),
    }


def ballots_stored(vote_ids: list[int]) -> tuple[int, int]:
    from voting.models import Ballot

    rows = Ballot.objects.filter(vote_id__in=vote_ids)
    return rows.count(), rows.values("client_id").distinct().count()


def citizens(port: int, sittings, ctx: dict[str, Any]) -> dict[int, list]:
    """PUBLIC EventSources per sitting on nginx's nchan, after the frame its opening
    published; their processes (one per sitting) in ctx["citizens"], at nice 19."""
    from sessions.live import public_feed

    before = {p.pid for p in multiprocessing.active_children()}
    pipes = {}
    for s in sittings:
        public_feed.publish_state(s.id, eventsource.initial_frame(s))
        public_feed.flush()
        pipes[s.id] = eventsource.start_subscribers(port, s.id, PUBLIC, 1)
    ctx["citizens"] = [p.pid for p in multiprocessing.active_children() if p.pid not in before]
    yield_to_servers(ctx["citizens"])
    if MODE == "split":  # with the web side and the other load clients
        pin(ctx["citizens"], 0)
    return pipes


def public_delays(pipes: dict[int, list], events: dict[str, dict[int, float]]) -> dict:
    """Per event type, the citizens' delays (ms) from its wall-clock start in each sitting."""
    delays: dict[str, list[float]] = {kind: [] for kind in events}
    for sitting_id, sitting_pipes in pipes.items():
        arrivals, _cpu = eventsource.collect(sitting_pipes)
        for kind, walls in events.items():
            delays[kind] += eventsource.latencies(arrivals, kind, walls[sitting_id])
    return delays


async def evening(ctx: dict[str, Any]) -> dict[str, Any]:
    """The seats' websockets and the citizens' EventSources connected, then the steady
    window with its events."""
    from asgiref.sync import sync_to_async

    port, sittings = ctx["port"], ctx["sittings"]
    seats: dict[int, dict[int, Listener]] = {}
    for s in sittings:
        cookies = ctx["cookies"][s.id]
        seat_ws, _ = await connect_clients(port, s.id, list(cookies.values()), 0)
        seats[s.id] = {m: Listener(ws) for m, ws in zip(cookies, seat_ws, strict=True)}
    clients = {s: list(listeners.values()) for s, listeners in seats.items()}
    pipes = await sync_to_async(citizens)(port, sittings, ctx)
    print(f"websockets and EventSources connected ({machine_load()})", flush=True)
    await asyncio.sleep(max(0.0, ctx["window_from"] - time.monotonic()))
    window = asyncio.ensure_future(asyncio.to_thread(ctx["measure"]))
    began = time.monotonic()
    await asyncio.sleep(ITEM_AT)
    taken_up: dict[int, float] = {}
    fanout = await item_change(sittings, clients, taken_up)
    await asyncio.sleep(max(0.0, began + VOTE_AT - time.monotonic()))
    closed: dict[int, float] = {}
    ballots = await votes(sittings, seats, clients, closed)
    measured = await window
    await asyncio.sleep(1)  # the last frames reach the citizens
    public = public_delays(pipes, {ITEM_EVENT: taken_up, RESULT_EVENT: closed})
    fanout += public[ITEM_EVENT]
    ballots["results"] += public[RESULT_EVENT]
    for xs in clients.values():
        for x in xs:
            x.task.cancel()
            with suppress(Exception):
                await x.ws.close()
    return {"fanout": fanout, "ballots": ballots, **measured}


# --- the run ------------------------------------------------------------------------------


def run_viewers(sittings, port: int, out: list[Any], duration: float) -> list[threading.Thread]:
    """hls_serve's viewers, PUBLIC per sitting on its ladder, through nginx."""
    from streaming.programme.graph import LADDERS

    rungs = LADDERS[os.environ["SEANCE_BROADCAST_LADDER"]]
    hls_serve.VIEWERS, hls_serve.WORKERS = PUBLIC, 2
    hls_serve.RAMP, hls_serve.DURATION = HLS_RAMP, duration
    hls_serve.LADDER = tuple((rung.name,) for rung in rungs)
    threads = []
    for s in sittings:
        target = (port, False, "seance.example.fr")
        thread = threading.Thread(
            target=lambda s=s, t=target: out.append(hls_serve.viewers(t, f"/hls/{s.id}")),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    return threads


def councillors(sittings, cookies, port: int) -> list[sfu_load.Clients]:
    """VIDEO councillors per sitting joining its video through nginx, the two sittings at
    once (one client process each), until every stream flows."""
    clip = sfu_load.make_clip()
    groups = [sfu_load.Clients(port, s.id, clip, 1) for s in sittings]
    joining = [
        threading.Thread(target=g.add, args=(list(cookies[s.id].values())[:VIDEO],))
        for g, s in zip(groups, sittings, strict=True)
    ]
    for thread in joining:
        thread.start()
    for thread in joining:
        thread.join()
    for g in groups:
        yield_to_servers(g.pids())
    for g in groups:
        sfu_load.settle(g, VIDEO, timeout=60, label="janus")
    return groups


def main() -> None:
    fresh_django()
    VAR.mkdir(parents=True, exist_ok=True)
    SITE.mkdir(exist_ok=True)
    for folder in (VAR, SITE):
        folder.chmod(0o755)
    print(f"mode {MODE}, ladder {os.environ['SEANCE_BROADCAST_LADDER']}; {machine_load()}")
    with ExitStack() as stack:
        stack.callback(lambda: stop_all(ctx.get("cameras", [])))
        ctx: dict[str, Any] = {"cameras": []}
        sittings, urls = [], []
        clips = [camera_clip(*camera) for camera in CAMERAS]
        ctx["cookies"] = {}
        for label, kind, members, population in SITTINGS:
            room_urls = [f"udp://127.0.0.1:{free_port(2)}" for _ in CAMERAS]
            s, cookies = seed(label, kind, members, population, room_urls)
            sittings.append(s)
            urls += room_urls
            ctx["cookies"][s.id] = cookies
        ctx["cameras"] = [
            subprocess.Popen(camera_loop(clip, url), stdin=subprocess.DEVNULL)
            for clip, url in zip(clips * len(SITTINGS), urls, strict=True)
        ]
        sfu_load.make_clip()
        janus = stack.enter_context(sfu_load.janus_environment())
        env = unit_env(janus.environ())
        logs = VAR / "logs"
        servers: dict[str, Any] = {"janus": janus}
        port, daphnes = free_port(), daphne_ports()
        servers["nginx"] = start_nginx(SITE, port, daphnes)
        stack.callback(lambda: stop_all([servers["nginx"]]))
        publish_to_nchan(env)
        servers["daphnes"] = start_daphnes(env, logs, daphnes)
        stack.callback(lambda: stop_all(servers["daphnes"].values()))
        servers["worker"] = start_broadcast_worker(env, logs)
        stack.callback(lambda: stop_worker(sittings, servers["worker"]))
        tracker = Broadcasts(
            {s.id: label for s, (label, *_) in zip(sittings, SITTINGS, strict=True)}
        )
        start_broadcasts(sittings, tracker)
        groups = server_groups(servers, tracker)
        if MODE == "split":
            split(servers, tracker, ctx)
        print(f"broadcasts live; baseline {BASELINE:.0f} s ({machine_load()})", flush=True)
        baseline = window(groups, tracker, ctx, BASELINE, media=False)
        groups_clients = councillors(sittings, ctx["cookies"], port)
        stack.callback(lambda: [g.close() for g in groups_clients])
        if MODE == "split":
            split(servers, tracker, ctx, groups_clients)
        print(f"{2 * VIDEO} councillors on the video ({machine_load()})", flush=True)
        hls: list[Any] = []
        viewers = run_viewers(sittings, port, hls, CONNECT_BUDGET + WINDOW + 5)
        time.sleep(1)
        yield_to_servers(forked_players())
        ctx |= {"port": port, "sittings": sittings}
        ctx["window_from"] = time.monotonic() + HLS_RAMP + 2
        ctx["measure"] = lambda: window(groups, tracker, ctx, WINDOW, groups_clients)
        result = asyncio.run(evening(ctx))
        for thread in viewers:
            thread.join(CONNECT_BUDGET + WINDOW + 180)
        result["hls"] = hls
        result["hls_seconds"] = HLS_RAMP + hls_serve.DURATION
    evening_report.report(MODE, baseline, result, groups)


def publish_to_nchan(env: dict[str, str]) -> None:
    """Séance publishes each commit's public frame to the site's nchan publisher, as
    production.env has it: the Daphnes (their environment) and this process (whose
    services take up the items and close the votes)."""
    from django.conf import settings

    url = eventsource.publisher_url(SITE)
    env["SEANCE_PUBLIC_FEED_PUBLISH_URL"] = settings.SEANCE_PUBLIC_FEED_PUBLISH_URL = url


def split(servers, tracker: Broadcasts, ctx, clients=None) -> None:
    """SPLIT: the broadcast worker and its children on core 1, everything else on core 0."""
    worker = servers["worker"].pid
    pin([worker, *descendants(worker)], 1)
    others = [p.pid for p in servers["daphnes"].values()] + [servers["janus"].pid]
    others += [servers["nginx"].pid, *descendants(servers["nginx"].pid), os.getpid()]
    others += [c.pid for c in ctx["cameras"]] + ctx.get("citizens", [])
    for group in clients or []:
        others += group.pids()
    pin(others, 0)


def window(groups, tracker: Broadcasts, ctx, seconds: float, clients=None, media=True):
    """CPU of the server groups and of the load over `seconds`; the mixers' progress; and,
    with the councillors' clients, their media counters (sfu_load.measure, in threads)."""
    load = {"cameras (looped clips)": lambda: [c.pid for c in ctx["cameras"]]}
    if clients:
        load["councillors' clients (aiortc)"] = lambda: [p for g in clients for p in g.pids()]
    load["this process (seats' websockets)"] = lambda: [os.getpid()]
    load["citizens' EventSources (nchan)"] = lambda: ctx.get("citizens", [])
    accounts = Accounts({**groups, **load})
    accounts.on_sample = tracker.refresh
    tracker.refresh()
    marks = {s: len(v) for s, v in tracker.progress.items()}
    machine0 = sfu_load.busy_jiffies()
    media_out: list[dict[str, Any]] = []
    threads = []
    if clients and media:
        sfu_load.MEASURE = seconds
        for g in clients:
            thread = threading.Thread(target=lambda g=g: media_out.append(sfu_load.measure(g, {})))
            thread.start()
            threads.append(thread)
    accounts.begin()
    began = time.time()
    time.sleep(seconds)
    cpu = accounts.end()
    ended = time.time()
    for thread in threads:
        thread.join(seconds + 60)
    machine1 = sfu_load.busy_jiffies()
    busy = (machine1[0] - machine0[0]) / max(1, machine1[1] - machine0[1]) * 200
    progress = {s: v[marks[s] :] for s, v in tracker.progress.items()}
    segments = {
        s: sorted(v for v in known.values() if began <= v[0] <= ended)
        for s, known in tracker.segments.items()
    }
    return {
        "cpu": cpu,
        "machine": busy,
        "progress": progress,
        "segments": segments,
        "media": media_out,
        "seconds": accounts.ended - accounts.began,
        "load": machine_load(),
    }


def stop_worker(sittings, worker) -> None:
    """The broadcasts stopped from the régie's side, then the worker (its runners end their
    ffmpeg children); whatever is left of them is killed by pid."""
    from streaming.broadcast import broadcast_stop
    from streaming.errors import BroadcastRefused

    for s in sittings:
        with suppress(BroadcastRefused):
            broadcast_stop(sitting=s, user=None)
    time.sleep(3)
    children = descendants(worker.pid)
    stop_all([worker])
    for pid in children:
        with suppress(OSError):
            os.kill(pid, 9)


if __name__ == "__main__":
    main()
