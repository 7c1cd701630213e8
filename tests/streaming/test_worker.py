"""The broadcast in a real Celery worker, and the worker killed outright: its ffmpegs die
with it, and another worker takes the broadcast over, appending to the same playlists
after a discontinuity (never a reset, never an orphan)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from streaming import services
from streaming.hls import hls_dir
from streaming.models import Broadcast, Camera
from streaming.programme.ingest import free_udp_port
from streaming.programme.state import SLATES
from tests import factories as f
from tests.streaming.test_programme import Feed, close_to, picture, wait_for

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
        ffmpegs = list(broadcast.pids)
        before = media_sequence(playlist(sitting.pk))

        workers[0].kill(signal.SIGKILL)
        # Its ffmpegs die with it: nothing left orphaned, whoever takes over.
        wait_for(lambda: not any(alive(pid) for pid in ffmpegs), timeout=5)

        workers.append(Worker("second", environment, tmp_path / "second.log"))
        wait_for(lambda: live_on(workers[1]), timeout=60, step=0.5)
        wait_for(lambda: "#EXT-X-DISCONTINUITY" in playlist(sitting.pk), timeout=30)
        assert media_sequence(playlist(sitting.pk)) >= before  # appended, not reset
        # The new mixer shows what the programme showed: the sitting has not opened yet.
        assert close_to(picture(hls_dir(sitting.pk)), SLATES["before_start"].colour)

        # A worker stopped as for a deployment (SIGTERM, warm shutdown): it ends its
        # runner and processes at once, and the next worker takes the broadcast over.
        broadcast.refresh_from_db()
        ffmpegs = list(broadcast.pids)
        workers[1].process.send_signal(signal.SIGTERM)
        workers[1].process.wait(20)
        assert not any(alive(pid) for pid in ffmpegs)
        assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.RESTARTING
        workers.append(Worker("third", environment, tmp_path / "third.log"))
        wait_for(lambda: live_on(workers[2]), timeout=60, step=0.5)

        broadcast.refresh_from_db()
        ffmpegs = list(broadcast.pids)
        services.broadcast_stop(sitting=sitting, user=None)
        wait_for(
            lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.STOPPED,
            timeout=30,
        )
        assert not any(alive(pid) for pid in ffmpegs)
    finally:
        feed.stop()
