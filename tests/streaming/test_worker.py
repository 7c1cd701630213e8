"""The broadcast in a real Celery worker, and the worker killed outright: its ffmpegs die
with it, and another worker takes the broadcast over, appending to the same playlists
after a discontinuity (never a reset, never an orphan). A worker that is only late (a
loaded machine, a slow database) keeps its broadcast; the last worker killed leaves
playlists that end cleanly and a régie that says the broadcast is lost, until a worker
comes back and takes it over by itself."""

from __future__ import annotations

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from streaming import services
from streaming.broadcast import rescue_orphans
from streaming.hls import hls_dir
from streaming.lease import LEASE_TTL, LOCAL_RUNNERS, Owner, process_start
from streaming.models import Broadcast, Camera
from streaming.programme.ingest import free_udp_port
from streaming.programme.state import SLATES
from streaming.runner import BroadcastRunner
from tests import factories as f
from tests.streaming.media import Feed, close_to, picture, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

RENDITION = "360p"  # the top of the small ladder


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Worker:
    """`celery worker` of the broadcast queue, as deployed, on the tests' database."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "council", "worker", "-n", f"{name}@%h"),
                *("-Q", env["SEANCE_BROADCAST_QUEUE"], "--pool", "threads", "--concurrency", "2"),
                *("--loglevel", "INFO", "--without-gossip", "--without-mingle"),
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture
def environment(settings, tmp_path: Path) -> dict[str, str]:
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    settings.SEANCE_BROADCAST_QUEUE = f"broadcast-test-{os.getpid()}-{tmp_path.name}"
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SEANCE_HLS_DIR": str(settings.SEANCE_HLS_DIR),
        "SEANCE_RECORDING_DIR": str(settings.SEANCE_RECORDING_DIR),
        "SEANCE_BROADCAST_QUEUE": settings.SEANCE_BROADCAST_QUEUE,
        "SEANCE_BROADCAST_LADDER": "small",
        "SEANCE_BROADCAST_PRESET": "ultrafast",
    }


@pytest.fixture
def workers(environment, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill(signal.SIGTERM)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead: it only waits for its parent to read its status.
    return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def playlist(sitting_id: int) -> str:
    path = hls_dir(sitting_id) / RENDITION / "index.m3u8"
    return path.read_text() if path.exists() else ""


def media_sequence(text: str) -> int:
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    assert found, text
    return int(found.group(1))


def ends(text: str) -> bool:
    return text.rstrip().endswith("#EXT-X-ENDLIST")


def regie_status(sitting, assembly) -> dict:
    client = Client()
    client.force_login(f.staff(assembly, role="technician"))
    response = client.get(
        f"/broadcast/sittings/{sitting.pk}/health.json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    return response.json()


def test_worker_killed_outright(environment, workers, tmp_path: Path) -> None:
    feed = Feed("Camera-A", "red", 440, free_udp_port())
    feed.start()
    try:
        assembly = f.assembly(members=5)
        sitting = f.convened(assembly)
        Camera.objects.create(room=sitting.place, name="Camera-A", feed_url=feed.url)
        workers.append(Worker("first", environment, tmp_path / "first.log"))
        broadcast = services.broadcast_start(sitting=sitting, user=f.staff(assembly))

        def live_on(worker: Worker) -> bool:
            broadcast.refresh_from_db()
            mine = broadcast.worker.split(":")[1:2] == [str(worker.process.pid)]
            return mine and broadcast.state == Broadcast.State.LIVE and len(broadcast.pids) >= 3

        wait_for(lambda: live_on(workers[0]), timeout=60, step=0.5)
        wait_for(lambda: "seg_00003" in playlist(sitting.pk), timeout=30)

        # A second worker watches. The first one is frozen for longer than the heartbeats
        # it misses (as on a loaded machine): its process lives, it keeps its broadcast.
        workers.append(Worker("second", environment, tmp_path / "second.log"))
        wait_for(lambda: "ready" in (tmp_path / "second.log").read_text(), timeout=60)
        first = workers[0].process
        first.send_signal(signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            while time.monotonic() - frozen_at < 8:
                broadcast.refresh_from_db()
                assert broadcast.worker.split(":")[1] == str(first.pid), "taken over"
                time.sleep(0.5)
            assert timezone.now() - broadcast.heartbeat_at > datetime.timedelta(seconds=6)
        finally:
            first.send_signal(signal.SIGCONT)
        wait_for(
            lambda: (
                timezone.now() - Broadcast.objects.get(pk=broadcast.pk).heartbeat_at
                < datetime.timedelta(seconds=3)
            ),
            timeout=20,
        )
        assert live_on(workers[0]) or wait_for(lambda: live_on(workers[0]), timeout=20)
        ffmpegs = list(broadcast.pids)
        before = media_sequence(playlist(sitting.pk))

        # Killed outright: the other worker takes over within seconds.
        workers[0].kill(signal.SIGKILL)
        killed_at = time.monotonic()
        # Its ffmpegs die with it: nothing left orphaned, whoever takes over.
        wait_for(lambda: not any(alive(pid) for pid in ffmpegs), timeout=5)
        wait_for(lambda: live_on(workers[1]), timeout=60, step=0.5)
        print(f"taken over {time.monotonic() - killed_at:.1f} s after the kill")
        wait_for(lambda: "#EXT-X-DISCONTINUITY" in playlist(sitting.pk), timeout=30)
        wait_for(lambda: not ends(playlist(sitting.pk)), timeout=30)
        assert media_sequence(playlist(sitting.pk)) >= before  # appended, not reset
        # The new mixer shows what the programme showed: the sitting has not opened yet.
        assert close_to(picture(hls_dir(sitting.pk)), SLATES["before_start"].colour)

        # The last worker killed: the playlists end cleanly within seconds, and the régie
        # says the broadcast is lost, not live.
        broadcast.refresh_from_db()
        ffmpegs = list(broadcast.pids)
        workers[1].kill(signal.SIGKILL)
        killed_at = time.monotonic()
        renditions = [
            hls_dir(sitting.pk) / r / "index.m3u8" for r in ("180p", "240p", RENDITION, "audio")
        ]
        wait_for(lambda: all(ends(p.read_text()) for p in renditions), timeout=5, step=0.05)
        print(f"playlists ended {time.monotonic() - killed_at:.1f} s after the kill")
        assert all(p.read_text().count("#EXT-X-ENDLIST") == 1 for p in renditions)
        status = regie_status(sitting, assembly)
        assert status["state"] == "lost", status
        assert status["state_label"] == (
            "Interrompue\u00a0: aucun worker de diffusion ne la prend en charge"
        )
        assert not any(alive(pid) for pid in ffmpegs)

        # A worker comes back: it takes the broadcast over by itself, the playlists go on.
        segments_before = playlist(sitting.pk).count(".m4s")
        workers.append(Worker("third", environment, tmp_path / "third.log"))
        wait_for(lambda: live_on(workers[2]), timeout=60, step=0.5)
        wait_for(lambda: not ends(playlist(sitting.pk)), timeout=30)
        assert regie_status(sitting, assembly)["state"] == "live"
        assert close_to(picture(hls_dir(sitting.pk)), SLATES["before_start"].colour)
        assert playlist(sitting.pk).count(".m4s") >= min(segments_before, 10) > 0

        # A worker stopped as for a deployment (SIGTERM, warm shutdown): it ends its
        # runner and processes at once, and the next worker takes the broadcast over.
        broadcast.refresh_from_db()
        ffmpegs = list(broadcast.pids)
        workers[2].process.send_signal(signal.SIGTERM)
        workers[2].process.wait(20)
        assert not any(alive(pid) for pid in ffmpegs)
        assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.RESTARTING
        assert ends(playlist(sitting.pk))
        workers.append(Worker("fourth", environment, tmp_path / "fourth.log"))
        wait_for(lambda: live_on(workers[3]), timeout=60, step=0.5)

        broadcast.refresh_from_db()
        ffmpegs = list(broadcast.pids)
        services.broadcast_stop(sitting=sitting, user=None)
        wait_for(
            lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.STOPPED,
            timeout=30,
        )
        assert not any(alive(pid) for pid in ffmpegs)
        assert ends(playlist(sitting.pk))
    finally:
        feed.stop()


# Whose runner is gone: the watchdog's judgement, on rows as runners leave them.


@pytest.fixture
def lone_broadcast(settings, tmp_path: Path) -> Broadcast:
    settings.SEANCE_BROADCAST_QUEUE = f"test-unconsumed-{tmp_path.name}"
    assembly = f.assembly(members=5)
    sitting = f.convened(assembly)
    return Broadcast.objects.create(
        sitting=sitting, state=Broadcast.State.LIVE, started_at=timezone.now()
    )


def owned(broadcast: Broadcast, owner: Owner | str, silent_for: float) -> None:
    beat = timezone.now() - datetime.timedelta(seconds=silent_for)
    Broadcast.objects.filter(pk=broadcast.pk).update(
        state=Broadcast.State.LIVE, worker=str(owner), heartbeat_at=beat
    )


def test_a_late_runner_is_not_taken_over_a_gone_one_is(lone_broadcast) -> None:
    host = socket.gethostname()
    # A live process of this host, late by far more than a beat: not taken over.
    other = subprocess.Popen(["sleep", "60"])
    try:
        owned(lone_broadcast, Owner(host, other.pid, process_start(other.pid) or "", 1), 20)
        assert rescue_orphans() == []
    finally:
        other.kill()
        other.wait()
    # The same process dead (its pid may even be taken again by another): at once.
    assert rescue_orphans() == [lone_broadcast.pk]
    rescued = Broadcast.objects.get(pk=lone_broadcast.pk)
    assert rescued.state == Broadcast.State.RESTARTING and rescued.worker == ""
    assert rescue_orphans() == []  # not sent twice while the task travels
    owned(lone_broadcast, Owner(host, os.getpid(), "1", 1), 1)  # a pid reused since
    assert rescue_orphans() == [lone_broadcast.pk]

    # Another host: only its lease tells, and the lease is generous.
    elsewhere = Owner("another-host", 4242, "77", 1)
    owned(lone_broadcast, elsewhere, 20)
    assert rescue_orphans() == []
    owned(lone_broadcast, elsewhere, LEASE_TTL.total_seconds() + 1)
    assert rescue_orphans() == [lone_broadcast.pk]

    # A runner of this very process: never taken over while its thread lives.
    stop = threading.Event()
    runner = threading.Thread(target=stop.wait)
    runner.start()
    LOCAL_RUNNERS[lone_broadcast.pk] = runner
    try:
        here = Owner(host, os.getpid(), process_start(os.getpid()) or "", runner.ident or 0)
        owned(lone_broadcast, here, 3600)
        assert rescue_orphans() == []
        stop.set()
        runner.join()
        assert rescue_orphans() == [lone_broadcast.pk]
    finally:
        LOCAL_RUNNERS.pop(lone_broadcast.pk, None)


def test_a_runner_whose_loop_stalls_keeps_its_lease(settings, tmp_path, monkeypatch) -> None:
    """Its health writes held up for seconds (a slow database, a stalled loop): the lease,
    renewed from its own thread, stays fresh, and the watchdog leaves it alone."""
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    settings.SEANCE_BROADCAST_LADDER = "small"
    settings.SEANCE_BROADCAST_PRESET = "ultrafast"
    settings.SEANCE_BROADCAST_QUEUE = f"test-unconsumed-{tmp_path.name}"
    feed = Feed("Camera-A", "red", 440, free_udp_port())
    feed.start()
    assembly = f.assembly(members=5)
    sitting = f.convened(assembly)
    Camera.objects.create(room=sitting.place, name="Camera-A", feed_url=feed.url)
    broadcast = services.broadcast_start(sitting=sitting, user=None)
    stalled = threading.Event()
    original = BroadcastRunner.heartbeat

    def slow_heartbeat(self: BroadcastRunner) -> None:
        if stalled.is_set():
            time.sleep(6)  # a write that takes this long, each time
        original(self)

    monkeypatch.setattr(BroadcastRunner, "heartbeat", slow_heartbeat)
    runner = BroadcastRunner(broadcast.pk)  # named as a worker's runner is
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.LIVE, 30)
        stalled.set()
        started = time.monotonic()
        while time.monotonic() - started < 10:
            assert rescue_orphans() == []
            row = Broadcast.objects.get(pk=broadcast.pk)
            assert row.worker == runner.worker
            assert timezone.now() - row.heartbeat_at < datetime.timedelta(seconds=3)
            time.sleep(0.5)
        assert regie_status(sitting, assembly)["state"] == "live"
        assert runner.supervisor is not None and runner.supervisor.restarts == 0
    finally:
        stalled.clear()
        Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        thread.join(30)
        feed.stop()
    assert not thread.is_alive()
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.STOPPED
