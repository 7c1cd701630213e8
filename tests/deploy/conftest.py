"""Fixtures of the deployment tests: a PostgreSQL database and a Redis server of their own.

With ``DATABASE_URL`` / ``REDIS_URL`` set (CI), the tests use those servers: the database is
a fresh one created beside the configured one (``<name>_deploy``), never the configured
database itself, so that a run of ``tests/deploy`` cannot touch the rest of the suite's data.
Without them (a fresh machine where only Debian's binaries are installed and nothing
runs), a private PostgreSQL cluster and a private ``redis-server`` are started in a
temporary folder on free ports and stopped at the end of the session; the distribution's
own services, if apt started them, are never used.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from streaming.ports import free_port


def stop(server: subprocess.Popen) -> None:
    """Stop a server this session started: TERM, then KILL if it lingers."""
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``predicate`` until it returns something true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except AssertionError:
            raise  # a process that died: no use waiting
        except Exception as exc:  # noqa: BLE001 - reported below if it never succeeds
            last_error = exc
        else:
            if result:
                return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}: {last_error!r}")


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database(server_url: str, name: str) -> str:
    """Drop and create the empty database ``name`` on the server of ``server_url``; its URL.

    The backup test uses it for the empty database it restores into."""
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return with_database(server_url, name)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres) and "
            "DATABASE_URL is not set: apt-get install postgresql"
        )
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of an empty PostgreSQL database for this test session (psycopg 3 syntax)."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        base = urlsplit(configured).path.lstrip("/") or "seance"
        name = f"{base}_deploy"
        url = create_database(configured, name)
        yield url
        import psycopg

        with psycopg.connect(with_database(configured, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return

    bindir = _postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="seance-pg-"))
    data = root / "data"
    # initdb refuses to run as root: the cluster then belongs to the postgres system user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError("running as root needs the 'postgres' system user") from exc
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    log = root / "postgres.log"
    log_file = open(log, "wb")  # noqa: SIM115 - the server's stdout for the whole session
    server = subprocess.Popen(
        [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=200"],
        stdout=log_file, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        import psycopg

        wait_for(
            lambda: psycopg.connect(server_url, connect_timeout=2).close() or True,
            60,
            f"the private PostgreSQL on port {port} (log {log})",
        )
        yield create_database(server_url, "seance")
    finally:
        stop(server)
        log_file.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a Redis database for this test session."""
    configured = os.environ.get("REDIS_URL", "")
    if configured:
        yield configured
        return
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed and REDIS_URL is not set: "
                           "apt-get install redis-server")  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="seance-redis-"))
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root),
         "--save", "", "--appendonly", "no", "--daemonize", "no",
         "--logfile", str(root / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        wait_for(lambda: redis.Redis.from_url(url).ping(), 30, f"the private Redis on {port}")
        yield url
    finally:
        stop(server)
        shutil.rmtree(root, ignore_errors=True)
