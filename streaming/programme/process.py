"""One external process (an ffmpeg) as its owner sees it: started from a command, its
stderr kept in a short tail, its `-progress` report parsed, stopped gracefully."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import IO

ERROR_MARKS = ("[error]", "[fatal]", "[panic]")  # with -loglevel level+...
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Run in the child before exec: the kernel kills it when its parent dies, so a
    supervisor killed outright (kill -9 of the worker) never leaves an ffmpeg orphaned."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ManagedProcess:
    def __init__(self, name: str, command: Callable[[], list[str]], progress: bool = False):
        self.name = name
        self.command = command  # called at each start: the command may change between runs
        self.progress_on_stdout = progress
        self.starts = 0
        self.started_at: float | None = None
        self.tail: deque[str] = deque(maxlen=30)
        self.last_error: str | None = None
        self.progress: dict[str, str] = {}
        self.progress_at: float | None = None  # when the last progress report ended
        self.progress_wall: float | None = None  # the same, by the wall clock (its health)
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def exited(self) -> bool:
        """It was started and has ended since."""
        return self._popen is not None and self._popen.poll() is not None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def start(self) -> None:
        stdout = subprocess.PIPE if self.progress_on_stdout else subprocess.DEVNULL
        self._popen = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,
        )
        self.starts += 1
        self.started_at = time.monotonic()
        self.progress, self.progress_at, self.progress_wall = {}, None, None
        self._follow(self._popen.stderr, self._keep_line)
        if self.progress_on_stdout:
            self._follow(self._popen.stdout, self._keep_progress)

    def stop(self, grace: float = 5.0) -> None:
        """SIGINT lets ffmpeg close its outputs; SIGKILL if it does not within `grace`."""
        popen, self._popen = self._popen, None
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGINT)
        try:
            popen.wait(grace)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()

    def uptime(self) -> float | None:
        if not self.running or self.started_at is None:
            return None
        return time.monotonic() - self.started_at

    def health(self) -> dict[str, object]:
        return {
            "running": self.running,
            "pid": self.pid if self.running else None,
            "starts": self.starts,
            "uptime": self.uptime(),
            "returncode": None if self.running else self.returncode,
            "last_error": self.last_error,
        }

    def _follow(self, stream: IO[bytes] | None, keep: Callable[[str], None]) -> None:
        def read() -> None:
            assert stream is not None
            for raw in stream:
                keep(raw.decode(errors="replace").rstrip())

        threading.Thread(target=read, name=f"{self.name}-reader", daemon=True).start()

    def _keep_line(self, line: str) -> None:
        self.tail.append(line)
        if any(mark in line for mark in ERROR_MARKS):
            self.last_error = line

    def _keep_progress(self, line: str) -> None:
        key, _, value = line.partition("=")
        if key:
            self.progress[key.strip()] = value.strip()
        if key == "progress":
            self.progress_at, self.progress_wall = time.monotonic(), time.time()

    def stalled(self, after: float) -> bool:
        """Running, but no progress report for `after` seconds (or none since it started)."""
        last = self.progress_at or self.started_at
        return self.running and last is not None and time.monotonic() - last > after

    def kill(self) -> None:
        if self._popen is not None and self._popen.poll() is None:
            self._popen.kill()
