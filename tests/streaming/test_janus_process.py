"""The demo's Janus (`python -m streaming.conference.janus_process`, as bin/demo starts it)
on ports of its own: never the usual 8188/8088/7088 when they are taken, never an RTP port
another process holds, and never mistaken for another Janus answering on its port."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
from websockets.sync.client import connect

from streaming.conference.janus_process import (
    JanusProcess,
    JanusStartError,
    free_udp_block,
    janus_available,
)

ROOT = Path(__file__).parents[2]


def hold_tcp(port: int, stack: ExitStack) -> None:
    """Listen on a port (when nobody does already): it is busy either way."""
    listener = stack.enter_context(socket.socket())
    with suppress(OSError):
        listener.bind(("127.0.0.1", port))
        listener.listen()


def hold_udp(port: int, stack: ExitStack) -> socket.socket:
    held = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    held.bind(("0.0.0.0", port))
    return held


@pytest.fixture
def janus_required() -> None:
    assert janus_available(), "janus is not installed (bin/debian-packages.txt)"


def test_a_free_udp_block_skips_a_held_port():
    first, last = free_udp_block(50, start=40000)
    with ExitStack() as stack:
        hold_udp(first + 7, stack)
        again = free_udp_block(50, start=first)
        assert again[0] > first + 7 and again[1] - again[0] == 49


def test_the_demos_janus_takes_free_ports_when_the_usual_ones_are_busy(tmp_path, janus_required):
    with ExitStack() as stack:
        for port in (8188, 8088, 7088):
            hold_tcp(port, stack)
        held = free_udp_block(500)[0] + 3  # the block the demo would take: now busy
        hold_udp(held, stack)
        demo = subprocess.Popen(
            [sys.executable, "-m", "streaming.conference.janus_process", str(tmp_path / "janus")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        stack.callback(demo.wait, 10)
        stack.callback(demo.terminate)
        assert demo.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("# log")):
            line = demo.stdout.readline()
            assert line, f"the demo's Janus stopped: {lines}"
            lines.append(line.strip())
        env = dict(line.removeprefix("export ").split("=", 1) for line in lines[:-1])
        url = env["SEANCE_JANUS_URL"]
        ws_port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert ws_port not in (8188, 8088, 7088)
        assert "admin API: http://127.0.0.1:7088/" not in lines[-1]
        rtp = lines[-1].split("RTP ")[1].split(",")[0]
        first, last = (int(n) for n in rtp.split("-"))
        assert not first <= held <= last and last - first == 499
        config = (tmp_path / "janus" / "etc" / "janus.jcfg").read_text()
        assert f'rtp_port_range = "{first}-{last}"' in config
        name = config.split('server_name = "')[1].split('"')[0]
        # The Janus on SEANCE_JANUS_URL is this one: it tells its own name back.
        with connect(url, subprotocols=["janus-protocol"], open_timeout=10) as ws:
            ws.send(json.dumps({"janus": "info", "transaction": "t1"}))
            info = json.loads(ws.recv(timeout=10))
        assert info["janus"] == "server_info" and info["server-name"] == name


class OtherJanus(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"janus": "server_info", "server-name": "someone-else"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_janus() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtherJanus)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_another_janus_on_the_port_is_not_taken_for_ours(tmp_path, janus_required, other_janus):
    janus = JanusProcess(tmp_path, http_port=other_janus)
    with pytest.raises(JanusStartError, match="another Janus \\(someone-else\\)"):
        janus.start(timeout=30)
    assert not janus.running
