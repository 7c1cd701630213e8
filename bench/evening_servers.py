"""The server side of bench/evening.py, started as deploy/ says for production: two Daphne
instances and the broadcast worker from the shipped unit files' ExecStart lines (read by
tests/deploy/shipped.py, only the prefix substituted; the broadcast unit's Nice= kept),
nginx on deploy/nginx/seance.conf (bench/hls_serve.py's start_nginx, both upstream lines
pointing at the two instances), and Janus (bench/sfu_load.py's janus_environment). And
the accounting of their CPU, from each process's own /proc/<pid>/stat."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

from common import ROOT
from hls_serve import listening
from media import CLOCK_TICKS, free_port, wait_for

from tests.deploy.shipped import DEPLOY, exec_argv, unit_sections

SYSTEMD = DEPLOY / "systemd"


def own_cpu(pid: int) -> float | None:
    """User + system CPU seconds of `pid` itself (its threads, not its children: those
    are counted as processes of their own), or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children of each of its threads, recursively)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        with suppress(OSError):
            for task in Path(f"/proc/{parent}/task").iterdir():
                with suppress(OSError):
                    kids = [int(k) for k in (task / "children").read_text().split()]
                    out += kids
                    todo += kids
    return out


def named(comm: str) -> list[int]:
    """The pids whose command name is `comm` (the machine's own Redis: shared)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "comm").read_text().strip() == comm:
                    found.append(int(entry.name))
    return found


class Accounts:
    """The CPU seconds each group of processes spends between `begin` and `end`, sampled
    every second in a thread: a group is a name and a function listing its pids now. A
    pid first seen after `begin` is counted from its start."""

    def __init__(self, groups: dict[str, Callable[[], Iterable[int]]]) -> None:
        self.groups = groups
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {}
        self.began = self.ended = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_sample: Callable[[], None] | None = None

    def _read(self, initial: bool) -> None:
        for name, pids in self.groups.items():
            first = self.first.setdefault(name, {})
            last = self.last.setdefault(name, {})
            for pid in list(pids()):
                if (used := own_cpu(pid)) is not None:
                    first.setdefault(pid, used if initial else 0.0)
                    last[pid] = used

    def begin(self) -> None:
        self.first, self.last = {}, {}
        self._read(initial=True)
        self.began = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._read(initial=False)
            if self.on_sample:
                self.on_sample()

    def end(self) -> dict[str, float]:
        """% of one core of each group over the window."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        self._read(initial=False)
        self.ended = time.monotonic()
        elapsed = self.ended - self.began
        return {
            name: sum(self.last[name][p] - self.first[name][p] for p in self.last[name])
            / elapsed
            * 100
            for name in self.groups
        }


def unit_env(extra: dict[str, str]) -> dict[str, str]:
    """What the units get: this benchmark's environment (its database, Redis, folders,
    Janus), as the environment file would give it."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # The code of this checkout, whatever the virtualenv's editable install points at.
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), **extra)
    return env


def start_unit(
    unit: str, env: dict[str, str], logs: Path, instance: str = ""
) -> subprocess.Popen[bytes]:
    """A shipped unit's ExecStart, with its Nice= (the broadcast worker's 5)."""
    path = SYSTEMD / unit
    paths = {"/opt/seance": str(ROOT), "/var/lib/seance": env["SEANCE_VAR_DIR"]}
    argv = exec_argv(path, paths, env, instance=instance)
    nice = int(dict(unit_sections(path)["Service"]).get("Nice", "0"))
    logs.mkdir(parents=True, exist_ok=True)
    name = unit.replace("@", f"@{instance}").removesuffix(".service")
    with open(logs / f"{name}.log", "ab") as out:
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )


def daphne_ports(count: int = 2) -> list[int]:
    """`count` distinct free loopback ports for the Daphne instances to come."""
    ports: list[int] = []
    while len(ports) < count:
        if (port := free_port()) not in ports:
            ports.append(port)
    return ports


def start_daphnes(env: dict[str, str], logs: Path, ports: list[int]):
    """An instance of seance-daphne@.service on each of `ports`."""
    started = {}
    for port in ports:
        started[port] = start_unit("seance-daphne@.service", env, logs, instance=str(port))
    for port, process in started.items():
        wait_for(lambda p=port, q=process: q.poll() is not None or listening(p), 60)
        if process.poll() is not None:
            raise SystemExit(f"Daphne on {port} exited: see {logs}")
    return started


def start_broadcast_worker(env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    worker = start_unit("seance-broadcast.service", env, logs)
    log = logs / "seance-broadcast.log"
    wait_for(lambda: worker.poll() is not None or " ready." in log.read_text(errors="replace"), 90)
    if worker.poll() is not None:
        raise SystemExit(f"the broadcast worker exited: see {log}")
    return worker


def stop_all(processes: Iterable[subprocess.Popen[bytes] | None], timeout: float = 30) -> None:
    alive = [p for p in processes if p is not None and p.poll() is None]
    for process in alive:
        process.terminate()
    for process in alive:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_nginx(tmp: Path, https_port: int, daphnes: list[int]) -> subprocess.Popen[bytes]:
    """bench/hls_serve.py's nginx on the shipped site, each upstream's first line on the
    first Daphne and its second line on the second (hls_serve puts both on one)."""
    import re

    import hls_serve

    shipped = hls_serve.site_config

    def two_daphnes(*args: object) -> str:
        text = shipped(*args)  # type: ignore[arg-type]
        first = f"server 127.0.0.1:{daphnes[0]} "

        def upstream(match: re.Match[str]) -> str:
            head, body = match.group(1), match.group(2)
            at = body.find(first, body.find(first) + 1)
            if at >= 0:
                body = body[:at] + f"server 127.0.0.1:{daphnes[1]} " + body[at + len(first) :]
            return head + body

        return re.sub(r"(upstream \w+ \{)(.*?\})", upstream, text, flags=re.S)

    # Debian's modules-enabled names its modules relative to the prefix (nchan's, for the
    # public page's live state): copies of them under ours.
    modules = tmp / "modules"
    modules.mkdir(exist_ok=True)
    for module in Path("/usr/lib/nginx/modules").glob("*.so"):
        if not (modules / module.name).exists():
            shutil.copy(module, modules / module.name)
    hls_serve.site_config = two_daphnes  # type: ignore[assignment]
    try:
        return hls_serve.start_nginx(tmp, https_port, daphnes[0])
    finally:
        hls_serve.site_config = shipped  # type: ignore[assignment]
