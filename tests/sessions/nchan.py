"""nginx with the shipped site (deploy/nginx/seance.conf) and Debian's nchan module, for the
public feed's tests: started as the deploy tests start it (tests/deploy/topology.py), in
front of one Daphne, and an EventSource client that reads its frames."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streaming.ports import free_port
from tests.deploy.conftest import wait_for
from tests.deploy.shipped import ROOT
from tests.deploy.topology import HOST, Topology, issue_certificates, nginx_conf, nginx_site


@dataclass
class FeedNginx:
    topology: Topology
    process: subprocess.Popen[bytes]
    publish_url: str

    @property
    def port(self) -> int:
        return self.topology.https_port

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def publish_url() -> str:
    """A loopback address for nchan's publisher (SEANCE_PUBLIC_FEED_PUBLISH_URL)."""
    return f"http://127.0.0.1:{free_port()}/_nchan/pub/"


def start_nginx(workdir: Path, daphne_port: int, publish: str = "") -> FeedNginx:
    """The shipped site over TLS (a test CA), its upstreams on `daphne_port`, its nchan
    publisher on `publish` (else a free port)."""
    topology = Topology(workdir=workdir, https_port=free_port(), http_port=free_port())
    topology.daphne_ports = [daphne_port, daphne_port]
    publish_url_ = publish or publish_url()
    topology.env = {"SEANCE_PUBLIC_FEED_PUBLISH_URL": publish_url_}
    for sub in ("media", "hls"):
        (topology.var / sub).mkdir(parents=True, exist_ok=True)
    # The pages' own scripts and styles (what collectstatic gathers for them).
    (topology.var / "static").symlink_to(ROOT / "static", target_is_directory=True)
    certs = issue_certificates(topology, workdir)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = nginx_conf(topology, nginx_site(topology, certs))
    test = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert test.returncode == 0, f"nginx -t refuses the shipped site:\n{test.stderr}"
    process = subprocess.Popen(
        [nginx, "-c", str(conf)], stdin=subprocess.DEVNULL, start_new_session=True
    )
    wait_for(lambda: _listening(topology.https_port), 20, "nginx with the shipped site")
    return FeedNginx(topology, process, publish_url_)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True


class EventSource:
    """A citizen's EventSource on nginx: GET text/event-stream over TLS, frames as JSON."""

    def __init__(self, feed: FeedNginx, path: str) -> None:
        context = feed.topology.ssl_context()
        raw = socket.create_connection(("127.0.0.1", feed.port), 10)
        self.sock = context.wrap_socket(raw, server_hostname=HOST)
        request = (
            f"GET {path} HTTP/1.0\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n"
            "Cache-Control: no-cache\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n", 10)
        self.status = int(head.split(b" ", 2)[1])
        self.headers = head.decode("latin-1").lower()

    def _until(self, mark: bytes, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while mark not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"nothing more from nginx in {timeout} s")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, ssl.SSLError, OSError) as exc:
                raise TimeoutError(str(exc)) from exc
            if not chunk:
                raise ConnectionError("nginx closed the stream")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(mark, 1)
        return head

    def frames(self, timeout: float) -> list[dict[str, Any]]:
        """Every frame (a `data:` event) that arrives within `timeout` seconds."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._until(b"\n\n", left)
            except TimeoutError:
                break
            found += _data(event)
        return found

    def frame_where(self, predicate: Any, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._until(b"\n\n", left)
            except TimeoutError:
                break
            for frame in _data(event):
                seen.append(frame.get("type", "?"))
                if predicate(frame):
                    return frame
        raise AssertionError(f"no matching frame in {timeout} s; got {seen}")

    def close(self) -> None:
        self.sock.close()


def _data(event: bytes) -> list[dict[str, Any]]:
    """The JSON of an event's data lines (HTTP/1.0: no chunked transfer in between)."""
    lines = [line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:")]
    text = b"\n".join(lines)
    return [json.loads(text)] if text.strip() else []
