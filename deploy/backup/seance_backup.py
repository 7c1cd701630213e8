"""Backup and restore of a Séance server: the PostgreSQL database and every file it points
to, in one dated directory with a manifest of SHA-256 sums.

Standard library only (run by Debian's python3 or the project's .venv), plus PostgreSQL's
client programs. `seance-backup` and `seance-restore`, beside this file, are the commands;
deploy/README.md ("Backups") says how and when to run them.

A backup directory `seance-YYYYMMDDTHHMMSSZ/` holds:

    database.dump        pg_dump -Fc of DATABASE_URL (restored with pg_restore)
    files/media/...      MEDIA_ROOT: papers, convocations, written proxies, published acts
                         (R31) and replays (R34)
    files/recordings/... SEANCE_RECORDING_DIR: whole-sitting recordings (previews skipped)
    files/hls/...        SEANCE_HLS_DIR: the public HLS of each sitting
    backup.json          when, from where, which versions
    SHA256SUMS           one `<sha256>  <path>` line per file above (`sha256sum -c` reads it)

The database is dumped first, then the files: a file is written before the row that names
it is committed and published files are never rewritten, so every file the dump refers to
is already on disk when the files are copied. A file unchanged since the previous backup
in the same destination is hard-linked to it, so daily backups cost only what changed. The
directory is written under a hidden name and renamed once complete: an interrupted backup
never looks like one.

The restore checks every SHA-256 of the manifest before touching anything, refuses a
database that has tables or a directory that has files, restores the database in one
transaction, copies the files (checking each copy), then runs `manage.py verify_votes` and
`manage.py verify_acts`.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

CODE_DIR = Path(__file__).resolve().parent.parent.parent  # the checkout: /opt/seance
DEFAULT_ENV_FILE = "/etc/seance/seance.env"
MANIFEST = "SHA256SUMS"
INFO = "backup.json"
DUMP = "database.dump"
NAME = re.compile(r"^seance-\d{8}T\d{6}Z(-\d+)?$")
# The file trees of a server, by their name in the backup, and what is left out of each.
TREES = ("media", "recordings", "hls")
SKIPPED_DIRS = {"recordings": {"preview"}}  # the régie's camera previews: transient
PG_URL_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
PG_QUERY_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}


class Refused(Exception):
    """The operation cannot go on; the message says why and what to do."""


# --- the server's configuration, read as the units read it ---------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile= and `sh` read deploy's env file."""
    if not path.is_file():
        raise Refused(f"environment file {path} not found (give --env-file)")
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise Refused(f"{path}:{number}: not a KEY=value line: {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class Server:
    """Where one Séance server keeps its state, with council/settings.py's defaults."""

    env: dict[str, str]
    database_url: str
    trees: dict[str, Path]

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Server:
        var = Path(env.get("SEANCE_VAR_DIR") or CODE_DIR / "var")
        trees = {
            "media": Path(env.get("MEDIA_ROOT") or var / "media"),
            "recordings": Path(env.get("SEANCE_RECORDING_DIR") or var / "recordings"),
            "hls": Path(env.get("SEANCE_HLS_DIR") or var / "hls"),
        }
        return cls(env=env, database_url=env.get("DATABASE_URL", ""), trees=trees)

    def pg_env(self) -> dict[str, str]:
        """libpq's variables for DATABASE_URL: the password stays out of the command line."""
        url = urlsplit(self.database_url)
        if url.scheme not in PG_URL_SCHEMES:
            raise Refused(
                "DATABASE_URL is not a PostgreSQL URL: the production backup covers "
                "PostgreSQL only (the embedded SQLite set-up is for trying Séance)"
            )
        # By hand, not url.hostname: that lowercases, and a socket folder (%2Frun%2F...) is
        # a path.
        hostport = url.netloc.rpartition("@")[2]
        host, colon, port = hostport.rpartition(":")
        if not colon or not port.isdigit():
            host, port = hostport, ""
        host = unquote(host.strip("[]"))
        pg = {
            "PGHOST": host,
            "PGPORT": port,
            "PGUSER": unquote(url.username or ""),
            "PGPASSWORD": unquote(url.password or ""),
            "PGDATABASE": unquote(url.path.lstrip("/")),
        }
        for key, values in parse_qs(url.query).items():
            if key in PG_QUERY_KEYS:
                pg["PG" + key.upper()] = values[-1]
        if not pg["PGDATABASE"]:
            raise Refused("DATABASE_URL names no database")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({k: v for k, v in pg.items() if v})
        return env


# --- PostgreSQL's client programs ---------------------------------------------------------


def _run(cmd: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise Refused(f"{cmd[0]} not found: install postgresql-client") from None
    if done.returncode != 0:
        raise Refused(f"{what} failed ({Path(cmd[0]).name}): {done.stderr.strip()}")
    return done.stdout


def _psql(server: Server, sql: str) -> str:
    return _run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                server.pg_env(), "connecting to the database").strip()  # fmt: skip


def _client(program: str, server_major: int) -> str:
    """The client of the server's major version (Debian installs one folder per major)."""
    own = Path(f"/usr/lib/postgresql/{server_major}/bin/{program}")
    return str(own) if own.is_file() else program


def _server_major(server: Server) -> int:
    return int(_psql(server, "SHOW server_version_num")) // 10000


def _client_major(program: str) -> int:
    out = _run([program, "--version"], dict(os.environ), f"{program} --version")
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def _tables(server: Server) -> int:
    return int(_psql(server, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname "
                             "NOT IN ('pg_catalog', 'information_schema')"))  # fmt: skip


# --- files and their sums -----------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_hashing(src: Path, dst: Path) -> str:
    digest = hashlib.sha256()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        for block in iter(lambda: fin.read(1 << 20), b""):
            digest.update(block)
            fout.write(block)
    shutil.copystat(src, dst)
    return digest.hexdigest()


def _walk(root: Path, skipped: set[str]) -> Iterator[Path]:
    """Every regular file under root, relative to it, in a stable order."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(files):
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root)


def read_manifest(folder: Path) -> dict[str, str]:
    path = folder / MANIFEST
    if not path.is_file():
        raise Refused(f"{folder} has no {MANIFEST}: not a Séance backup, or an incomplete one")
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not match or match.group(2).startswith("/") or ".." in Path(match.group(2)).parts:
            raise Refused(f"{path}:{number}: not a `<sha256>  <path>` line: {line!r}")
        sums[match.group(2)] = match.group(1)
    return sums


def write_manifest(folder: Path, sums: dict[str, str]) -> None:
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (folder / MANIFEST).write_text(lines)


def verify_backup(folder: Path) -> dict[str, str]:
    """Every file listed is there with its SHA-256, and nothing unlisted is there."""
    sums = read_manifest(folder)
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise Refused(f"{name} is listed in {MANIFEST} but missing from the backup")
        actual = sha256_of(path)
        if actual != expected:
            raise Refused(
                f"{name} does not match its SHA-256 in {MANIFEST} (expected {expected}, "
                f"found {actual}): the backup is damaged or was altered"
            )
    present = {str(p) for p in _walk(folder, set())} - {MANIFEST}
    extra = sorted(present - set(sums))
    if extra:
        raise Refused(f"{extra[0]} is in the backup but not in {MANIFEST}")
    if DUMP not in sums or INFO not in sums:
        raise Refused(f"the backup lacks {DUMP if DUMP not in sums else INFO}")
    return sums


# --- backup -------------------------------------------------------------------------------


def _backups(destination: Path) -> list[Path]:
    """The complete backups in a destination, oldest first."""
    if not destination.is_dir():
        return []
    found = [p for p in destination.iterdir() if p.is_dir() and NAME.match(p.name)]
    return sorted(found, key=backup_order)


def backup_order(path: Path) -> tuple[str, int]:
    """Chronological: by time, then by the -N of backups made within the same second."""
    stamp, _, n = path.name.partition("Z-")
    return stamp, int(n or 1)


def _new_name(destination: Path, now: datetime.datetime) -> str:
    base = "seance-" + now.strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (destination / name).exists() or (destination / f".{name}.partial").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _link_or_copy(src: Path, dst: Path, previous: Path | None, old: dict[str, str],
                  name: str) -> str:  # fmt: skip
    """Hard-link an unchanged file to the previous backup's copy; otherwise copy it."""
    before = previous / name if previous else None
    if before is not None and name in old and before.is_file():
        stat, seen = src.stat(), before.stat()
        if stat.st_size == seen.st_size and int(stat.st_mtime) == int(seen.st_mtime):
            digest = sha256_of(src)
            # The earlier copy itself is read too: a link never carries its damage forward.
            if digest == old[name] and sha256_of(before) == digest:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.link(before, dst)
                return digest
    return _copy_hashing(src, dst)


def _copy_trees(server: Server, work: Path, previous: Path | None) -> tuple[dict, dict]:
    old = read_manifest(previous) if previous else {}
    sums: dict[str, str] = {}
    counts: dict[str, int] = {}
    for tree in TREES:
        root = server.trees[tree]
        counts[tree] = 0
        for rel in _walk(root, SKIPPED_DIRS.get(tree, set())):
            name = f"files/{tree}/{rel.as_posix()}"
            try:
                sums[name] = _link_or_copy(root / rel, work / name, previous, old, name)
            except FileNotFoundError:
                continue  # removed while we walked (a live HLS segment sliding out)
            counts[tree] += 1
    return sums, counts


def _code_version() -> str:
    try:
        done = subprocess.run(["git", "-C", str(CODE_DIR), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=False)  # fmt: skip
    except FileNotFoundError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def backup(server: Server, destination: Path, keep: int | None) -> Path:
    major = _server_major(server)
    pg_dump = _client("pg_dump", major)
    if _client_major(pg_dump) < major:
        raise Refused(f"{pg_dump} is older than the PostgreSQL {major} server: "
                      f"install postgresql-client-{major}")  # fmt: skip
    destination.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    name = _new_name(destination, now)
    work = destination / f".{name}.partial"
    earlier = _backups(destination)
    previous = earlier[-1] if earlier else None
    work.mkdir()
    try:
        _run([pg_dump, "--format=custom", "--file", str(work / DUMP)],
             server.pg_env(), "pg_dump")  # fmt: skip
        sums, counts = _copy_trees(server, work, previous)
        sums[DUMP] = sha256_of(work / DUMP)
        info = {
            "created_at": now.isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "postgresql_server": major,
            "pg_dump": Path(pg_dump).name + f" {_client_major(pg_dump)}",
            "code": _code_version(),
            "trees": {t: str(server.trees[t]) for t in TREES},
            "files": counts,
        }
        (work / INFO).write_text(json.dumps(info, indent=2) + "\n")
        sums[INFO] = sha256_of(work / INFO)
        write_manifest(work, sums)
        final = destination / name
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep:
        for old in _backups(destination)[:-keep]:
            shutil.rmtree(old)
    return final


# --- restore ------------------------------------------------------------------------------


def _require_empty(server: Server) -> None:
    tables = _tables(server)
    if tables:
        raise Refused(
            f"the database {server.pg_env()['PGDATABASE']} is not empty ({tables} tables): "
            "restore into a new, empty database (createdb --owner seance seance)"
        )
    for tree, root in server.trees.items():
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise Refused(f"{root} ({tree}) is not empty: restore into empty directories")


def _manage(server: Server, command: str) -> subprocess.CompletedProcess[str]:
    python = CODE_DIR / ".venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in server.env}
    env.update(server.env)
    return subprocess.run(
        [str(python) if python.is_file() else sys.executable, "manage.py", command],
        cwd=CODE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def restore(server: Server, folder: Path, check: bool) -> list[str]:
    """Restore `folder` into the server's empty database and directories; return the
    checks' reports."""
    server.pg_env()  # a DATABASE_URL that is not PostgreSQL is said before the long check
    sums = verify_backup(folder)
    _require_empty(server)
    major = _server_major(server)
    _run([_client("pg_restore", major), "--exit-on-error", "--single-transaction",
          "--no-owner", "--no-acl", "--dbname", server.pg_env()["PGDATABASE"],
          str(folder / DUMP)], server.pg_env(), "pg_restore")  # fmt: skip
    for name, expected in sums.items():
        parts = Path(name).parts
        if parts[0] != "files" or len(parts) < 3 or parts[1] not in server.trees:
            continue
        target = server.trees[parts[1]].joinpath(*parts[2:])
        if _copy_hashing(folder / name, target) != expected:
            raise Refused(f"{target} was not written correctly (SHA-256 differs): disk error?")
    if not check:
        return []
    reports = []
    for command in ("verify_votes", "verify_acts"):
        done = _manage(server, command)
        if done.returncode != 0:
            raise Refused(f"restored, but manage.py {command} failed: "
                          f"{(done.stderr or done.stdout).strip()}")  # fmt: skip
        reports.append(done.stdout.strip())
    return reports


# --- command lines ------------------------------------------------------------------------


def _env_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file",
        type=Path,
        default=Path(os.environ.get("SEANCE_ENV_FILE", DEFAULT_ENV_FILE)),
        help=f"the server's environment file (default {DEFAULT_ENV_FILE})",
    )


def main_backup(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="seance-backup", description="Back up a Séance server into a dated directory."
    )
    _env_arg(parser)
    parser.add_argument("--keep", type=int, default=None,
                        help="keep only the N most recent backups in DESTINATION")  # fmt: skip
    parser.add_argument("destination", type=Path, help="folder of the backups")
    args = parser.parse_args(argv)
    os.umask(0o077)  # a backup holds everything: personal data, secret ballots' rows
    try:
        server = Server.from_env(read_env_file(args.env_file))
        if args.keep is not None and args.keep < 1:
            raise Refused("--keep must be at least 1")
        folder = backup(server, args.destination, args.keep)
    except Refused as err:
        print(f"seance-backup: {err}", file=sys.stderr)
        return 1
    info = json.loads((folder / INFO).read_text())
    files = ", ".join(f"{n} {t}" for t, n in info["files"].items())
    print(f"Backup written: {folder} (database, {files} files, sums in {MANIFEST})")
    return 0


def main_restore(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="seance-restore",
        description="Restore a Séance backup into an empty database and empty directories.",
    )
    _env_arg(parser)
    parser.add_argument("--no-check", action="store_true",
                        help="do not run manage.py verify_votes and verify_acts after")  # fmt: skip
    parser.add_argument("backup", type=Path, help="a seance-YYYYMMDDTHHMMSSZ directory")
    args = parser.parse_args(argv)
    os.umask(0o027)  # as the units: the group (nginx) may read, others nothing
    try:
        server = Server.from_env(read_env_file(args.env_file))
        reports = restore(server, args.backup, check=not args.no_check)
    except Refused as err:
        print(f"seance-restore: refused: {err}", file=sys.stderr)
        return 1
    print(f"Restored {args.backup} into {server.pg_env()['PGDATABASE']} and "
          f"{', '.join(str(p) for p in server.trees.values())}.")  # fmt: skip
    for report in reports:
        print(report)
    return 0
