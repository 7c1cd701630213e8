"""Who runs a broadcast, and whether that runner is really gone.

A runner holds its broadcast by a lease: `Broadcast.worker` names it (`Owner`: host, pid,
the process's start time, thread) and `heartbeat_at` is renewed every `LEASE_RENEW`
seconds by a thread of its own, whatever the runner's loop is doing. A late write is not a
death. The runner is gone only when:

- it runs in this very process and its thread has ended: a watchdog never takes over a
  runner that lives beside it in the same worker;
- it ran on this host in another process, and that process is dead (or its pid is now
  another process's): seen at once, whatever its lease says;
- its lease has not been renewed for `LEASE_TTL` (another host, or a process of this
  host frozen whole), which is generous: seconds of a stalled loop or of a database that
  answers late are far from it.

A broadcast handed to the queue and not yet claimed (no owner) is lost when no worker has
claimed it `UNCLAIMED_AFTER` its hand-over (`heartbeat_at`, else `started_at`)."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from .models import Broadcast

LEASE_RENEW = 1.0
LEASE_TTL = datetime.timedelta(seconds=30)
UNCLAIMED_AFTER = datetime.timedelta(seconds=20)

# The runners alive in this process, by broadcast id (streaming.runner registers them).
LOCAL_RUNNERS: dict[int, threading.Thread] = {}


def process_start(pid: int) -> str | None:
    """When the process `pid` started (clock ticks since boot, /proc/<pid>/stat field 22),
    or None if there is no such live process (a zombie is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    if not fields or fields[0] in ("Z", "X"):
        return None
    return fields[19]


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: str
    thread: int

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}:{self.thread}"

    @classmethod
    def here(cls) -> Owner:
        """This thread of this process."""
        pid = os.getpid()
        return cls(socket.gethostname(), pid, process_start(pid) or "0", threading.get_ident())

    @classmethod
    def parse(cls, worker: str) -> Owner | None:
        parts = worker.split(":")
        if len(parts) != 4 or not (parts[1].isdigit() and parts[3].isdigit()):
            return None
        return cls(parts[0], int(parts[1]), parts[2], int(parts[3]))

    def same_process(self, other: Owner) -> bool:
        return (self.host, self.pid, self.started) == (other.host, other.pid, other.started)

    def process_alive(self) -> bool:
        """Only meaningful on the owner's own host."""
        return process_start(self.pid) == self.started


def runner_gone(broadcast: Broadcast, now: datetime.datetime | None = None) -> bool:
    """True if the runner of a broadcast that should be running is really gone (above)."""
    now = now or timezone.now()
    if not broadcast.worker:
        since = broadcast.heartbeat_at or broadcast.started_at
        return since is not None and since < now - UNCLAIMED_AFTER
    owner, here = Owner.parse(broadcast.worker), Owner.here()
    if owner is not None and owner.same_process(here):
        runner = LOCAL_RUNNERS.get(broadcast.pk)
        return runner is None or not runner.is_alive()
    if owner is not None and owner.host == here.host and not owner.process_alive():
        return True
    return broadcast.heartbeat_at is None or broadcast.heartbeat_at < now - LEASE_TTL


def kill_leftovers(pids: list[int]) -> None:
    """The ffmpegs a dead runner recorded, if they still run (they die with their parent;
    this is for a runner that was not the parent, e.g. after a PID namespace change)."""
    for pid in pids:
        try:
            if b"ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            continue
