"""HLS to 1,000 viewers: p99 of the segment fetch time through the shipped nginx config,
against the same viewers served straight by Daphne (Django's hls_file view), in one run.

A live ladder (720p/480p/360p + audio, 1 s fMP4 segments, the programme's bitrates and
layout; one ffmpeg on a moving test picture, ultrafast so that the load generator keeps
the CPU) is written into the HLS folder of a public sitting in session. Each simulated
viewer, on its own keep-alive connection, loads the master playlist, then every second
its rendition's playlist (720p, 480p, 360p in turn) and the audio playlist, and fetches
each new segment of both (the init sections once), as hls.js does. Viewers start over
RAMP seconds; three client processes share them (their CPU is printed: a saturated
client would inflate the times). A fetch that fails or takes more than
TIMEOUT seconds counts as TIMEOUT, and so does the segment that a failed playlist poll
would have brought (else a server too slow to answer playlists would look fast).

nginx is Debian's, started by the benchmark without root (as `nobody`), with a temporary
prefix, pid file and error log, on deploy/nginx/seance.conf with only its paths, ports
and certificate substituted; the HTTPS server block listens without TLS unless BENCH_TLS=1
(see TLS below). Viewers use HTTP/1.1 keep-alive.

    .venv/bin/python bench/hls_serve.py      (PostgreSQL and Redis on 127.0.0.1)
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pwd
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import ROOT, fresh_django, last_line
from media import free_port, ladder_command, machine_load, pct, start, stop, wait_for

VIEWERS = int(os.environ.get("BENCH_VIEWERS", 1000))
WORKERS, DURATION, RAMP, TIMEOUT = 3, float(os.environ.get("BENCH_DURATION", 40)), 8.0, 10.0
LADDER = (("720p", 1280, 720, 2800), ("480p", 854, 480, 1400), ("360p", 640, 360, 800))
# The client shares the 2 cores with the servers: TLS decryption of ~2 Gbit/s in Python would
# make it the bottleneck. By default the HTTPS server block listens without TLS (every
# other line of the shipped config unchanged); BENCH_TLS=1 keeps TLS (self-signed).
TLS = os.environ.get("BENCH_TLS") == "1"
SITE = ROOT / "deploy/nginx/seance.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Connection:
    """One viewer's HTTP/1.1 keep-alive connection (plain or TLS)."""

    def __init__(self, port: int, tls: bool, host: str) -> None:
        self.port, self.tls = port, tls
        # nginx answers for its server_name; Django for ALLOWED_HOSTS.
        self.host = host
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            context = None
            if self.tls:
                context = ssl.create_default_context()
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", self.port, ssl=context
            )
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: bench\r\n\r\n".encode()
        )
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head[9:12])
        headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        if "content-length" in headers:
            body = await self._body(int(headers["content-length"]))
        else:
            body = await self._chunked()
        if headers.get("connection") == "close":
            self.close()
        return status, body

    async def _body(self, size: int) -> bytes:
        """Playlists are kept; a segment's bytes are read and dropped (less client CPU)."""
        assert self.reader is not None
        if size <= 65536:
            return await self.reader.readexactly(size)
        while size > 0:
            chunk = await self.reader.read(min(size, 1 << 18))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", size)
            size -= len(chunk)
        return b""

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        await self.reader.readline()
        return b"".join(parts)

    def close(self) -> None:
        if self.writer:
            self.writer.close()
        self.reader = self.writer = None


class Stats:
    def __init__(self) -> None:
        self.segments: list[float] = []
        self.playlists: list[float] = []
        self.failures = 0
        self.cpu = 0.0  # CPU seconds of the client processes


async def timed(conn: Connection, path: str, into: list[float], stats: Stats) -> bytes | None:
    began = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(conn.get(path), TIMEOUT)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
        conn.close()
        into.append(TIMEOUT * 1000)
        stats.failures += 1
        return None
    into.append((time.perf_counter() - began) * 1000)
    if status != 200:
        stats.failures += 1
        return None
    return body


def media_lines(playlist: bytes) -> tuple[str | None, list[str]]:
    init, segments = None, []
    for line in playlist.decode().splitlines():
        if line.startswith("#EXT-X-MAP:URI="):
            init = line.split('"')[1]
        elif line and not line.startswith("#"):
            segments.append(line)
    return init, segments


async def viewer(n: int, target: tuple, prefix: str, stop_at: float, stats: Stats):
    await asyncio.sleep(random.uniform(0, RAMP))
    conn = Connection(*target)
    await timed(conn, f"{prefix}/master.m3u8", stats.playlists, stats)
    renditions = [LADDER[n % len(LADDER)][0], "audio"]
    seen: dict[str, set[str]] = {r: set() for r in renditions}
    while time.monotonic() < stop_at:
        began = time.monotonic()
        for rendition in renditions:
            playlist = await timed(conn, f"{prefix}/{rendition}/index.m3u8", stats.playlists, stats)
            if playlist is None:  # the segment this poll would have brought is late too
                stats.segments.append(TIMEOUT * 1000)
                continue
            init, segments = media_lines(playlist)
            if not seen[rendition]:  # joining: the init section, then the live edge (-2)
                if init:
                    await timed(conn, f"{prefix}/{rendition}/{init}", stats.segments, stats)
                seen[rendition].update(segments[:-2])
            for segment in segments:
                if segment not in seen[rendition] and time.monotonic() < stop_at:
                    seen[rendition].add(segment)
                    await timed(conn, f"{prefix}/{rendition}/{segment}", stats.segments, stats)
        await asyncio.sleep(max(0.0, 1 - (time.monotonic() - began)))
    conn.close()


def load(first: int, count: int, target: tuple, prefix: str, queue) -> None:
    async def run() -> Stats:
        stats = Stats()
        stop_at = time.monotonic() + RAMP + DURATION
        await asyncio.gather(
            *(viewer(first + i, target, prefix, stop_at, stats) for i in range(count))
        )
        return stats

    stats = asyncio.run(run())
    queue.put((stats.segments, stats.playlists, stats.failures, time.process_time()))


def viewers(target: tuple[int, bool, str], prefix: str) -> Stats:
    """`target`: port, TLS or not, Host header (nginx: its server_name; Django: allowed)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    share = VIEWERS // WORKERS
    workers = [
        context.Process(target=load, args=(i * share, share, target, prefix, queue))
        for i in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    total = Stats()
    for _ in workers:
        segments, playlists, failures, cpu = queue.get(timeout=RAMP + DURATION + 120)
        total.cpu += cpu
        total.segments += segments
        total.playlists += playlists
        total.failures += failures
    for worker in workers:
        worker.join()
    return total


def site_config(tmp: Path, http_port: int, https_port: int, daphne_port: int) -> str:
    """The shipped site with the machine's paths, ports and certificate substituted."""
    text = SITE.read_text()
    swaps = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port}{' ssl http2' if TLS else ''};",
        "listen [::]:443 ssl http2;": "",
        "listen 127.0.0.1:8090;": f"listen 127.0.0.1:{free_port()};",  # nchan's publisher
        "/etc/letsencrypt/live/seance.example.fr/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/seance.example.fr/privkey.pem": str(tmp / "key.pem"),
        "/var/lib/seance/": f"{tmp}/lib/",
        "/var/www/letsencrypt": f"{tmp}/www",
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{daphne_port} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{daphne_port} ",
    }
    for old, new in swaps.items():
        if old not in text:
            sys.exit(f"deploy/nginx/seance.conf has no {old!r}: update bench/hls_serve.py")
        text = text.replace(old, new)
    return text


def nginx_config(tmp: Path) -> str:
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        # nchan (deploy/nginx/seance.conf), by its path: the prefix here is the bench's own.
        "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\n"
        f"worker_processes auto;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
        "daemon off;\nevents { worker_connections 4096; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log off;\n{temp_paths}    include {tmp}/seance.conf;\n}}\n"
    )


def ensure_nginx() -> None:
    if Path(NGINX).exists():
        return
    print("nginx is not installed: installing Debian's nginx-light with apt-get")
    if os.geteuid() != 0:
        sys.exit("nginx is missing and this is not root: apt-get install nginx-light")
    subprocess.run(["apt-get", "install", "-y", "nginx-light"], check=True)


def start_nginx(tmp: Path, https_port: int, daphne_port: int) -> subprocess.Popen[bytes]:
    ensure_nginx()
    for folder in ("www", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / folder).mkdir(exist_ok=True)
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=seance.example.fr", "-keyout", str(tmp / "key.pem")),
            *("-out", str(tmp / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    (tmp / "seance.conf").write_text(site_config(tmp, free_port(), https_port, daphne_port))
    (tmp / "nginx.conf").write_text(nginx_config(tmp))
    demote = None
    if os.geteuid() == 0:  # never as root: as nobody, who owns the prefix and reads the HLS
        # nchan makes nginx create its compiled-in body folder whatever the configuration
        # says; nobody may not (a root nginx, Debian's own, makes it on its first start).
        Path("/var/lib/nginx/body").mkdir(parents=True, exist_ok=True)
        nobody = pwd.getpwnam("nobody")
        for path in [tmp, *tmp.rglob("*")]:
            if not path.is_relative_to(tmp / "lib"):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)

        def demote() -> None:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

    command = [NGINX, "-p", f"{tmp}/", "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=demote)

    wait_for(lambda: listening(https_port), timeout=10)
    return process


@contextmanager
def daphne() -> Iterator[int]:
    """As common.daphne, but killed if it does not stop within 10 s: after the load it is
    still working through the requests that the viewers gave up on."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    command = [str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*command, "council.asgi:application"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: listening(port), timeout=20)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def report(name: str, stats: Stats) -> None:
    s, p = stats.segments, stats.playlists
    print(
        f"{name:<8} segments n={len(s):6d} p50 {pct(s, 50):7.1f} p95 {pct(s, 95):7.1f} "
        f"p99 {pct(s, 99):7.1f} max {max(s, default=0):7.1f} ms | playlists n={len(p):6d} "
        f"p99 {pct(p, 99):7.1f} ms | failures {stats.failures} | client CPU "
        f"{stats.cpu / (RAMP + DURATION):.2f} cores"
    )


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-hls-"))
    tmp.chmod(0o755)
    hls_root = tmp / "lib/hls"
    os.environ["SEANCE_HLS_DIR"] = str(hls_root)
    fresh_django()
    from tests import factories as f

    sitting = f.in_session(f.assembly(members=5, population=1_000), present=5)
    out = hls_root / str(sitting.pk)
    out.mkdir(parents=True)
    for folder in (tmp / "lib", hls_root, out):
        folder.chmod(0o755)
    producer = start(ladder_command(out, LADDER, "ultrafast"))
    nginx = None
    try:
        wait_for(lambda: len(list(out.glob("720p/seg_*.m4s"))) >= 3, timeout=30)
        with daphne() as daphne_port:
            https_port = free_port()
            nginx = start_nginx(tmp, https_port, daphne_port)
            prefix = f"/hls/{sitting.pk}"
            through_nginx = viewers((https_port, TLS, "seance.example.fr"), prefix)
            straight = viewers((daphne_port, False, "127.0.0.1"), prefix)
    finally:
        stop([nginx, producer])
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"{VIEWERS} viewers for {DURATION:.0f} s (after a {RAMP:.0f} s ramp), sitting {sitting.pk}"
    )
    summary(through_nginx, straight)


def summary(through_nginx: Stats, straight: Stats) -> None:
    report("nginx", through_nginx)
    report("Daphne", straight)
    print(f"at the end: {machine_load()} (other work on the machine skews the figures)")
    print(
        last_line(
            "hls_segment_fetch_p99",
            pct(through_nginx.segments, 99),
            "ms",
            pct(straight.segments, 99),
            1000,
            viewers=VIEWERS,
            failures_nginx=through_nginx.failures,
            failures_daphne=straight.failures,
        )
    )


if __name__ == "__main__":
    main()
