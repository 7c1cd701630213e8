"""A Janus gateway run as a child process by an ordinary user, for the demo and the tests:
its own config folder in a work directory, its API on 127.0.0.1 only, the VideoRoom and
Streaming plugins and nothing else. Production runs Debian's `janus` service instead
(deploy/janus/); both are reached by Django through the same client (conference/janus.py).

Django talks to Janus over the WebSockets transport (ws_port). The HTTP transport is kept
for the Admin API (admin_port) and the health probe `GET /janus/info` (http_port).
Browsers never reach either: they only exchange media (ICE/DTLS/SRTP) with Janus."""

from __future__ import annotations

import argparse
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from streaming.ports import free_port
from streaming.programme.process import die_with_parent

# Where Debian (any architecture) or a source build put the modules.
JANUS_LIBS = ("/usr/lib/*/janus", "/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus")
KEPT_PLUGINS = ("libjanus_videoroom.so", "libjanus_streaming.so")
KEPT_TRANSPORTS = ("libjanus_websockets.so", "libjanus_http.so")
ICE_IGNORED = "vmnet,docker,veth,virbr,br-"  # prefixes of interface names or addresses


class JanusStartError(RuntimeError):
    pass


def janus_available() -> bool:
    return shutil.which("janus") is not None


def janus_lib() -> Path | None:
    for pattern in JANUS_LIBS:
        found = sorted(glob.glob(pattern + "/plugins"))
        if found:
            return Path(found[0]).parent
    return None


def _modules_except(folder: str, kept: tuple[str, ...]) -> list[str]:
    """The installed modules of a kind that are not kept, for `disable` lists."""
    lib = janus_lib()
    if lib is None:
        return []
    return sorted(p.name for p in (lib / folder).glob("libjanus_*.so") if p.name not in kept)


def _jcfg(sections: dict[str, dict[str, object]]) -> str:
    """libconfig syntax; JSON scalars are valid libconfig scalars."""
    lines: list[str] = []
    for name, options in sections.items():
        lines.append(f"{name}: {{")
        lines += [f"\t{key} = {json.dumps(value)}" for key, value in options.items()]
        lines.append("}")
    return "\n".join(lines) + "\n"


class JanusProcess:
    def __init__(
        self,
        workdir: Path,
        *,
        http_port: int | None = None,
        admin_port: int | None = None,
        ws_port: int | None = None,
        rtp_range: tuple[int, int] = (20000, 20999),
        mountpoint_range: tuple[int, int] = (21000, 21999),
        api_secret: str | None = None,
        admin_secret: str | None = None,
        admin_key: str | None = None,
        ice_enforce_list: str | None = None,
        session_timeout: int = 60,
        debug_level: int = 4,
        server_name: str | None = None,
    ):
        """Janus never gathers ICE candidates on loopback (it skips IFF_LOOPBACK
        interfaces), so a browser on the same machine reaches it on the machine's own
        address, which the kernel routes locally. `ice_enforce_list` (e.g. "eth0" or
        "192.168.") restricts the interfaces; by default all but virtual bridges."""
        self.workdir = Path(workdir).resolve()  # Janus runs in it: its paths must not be relative
        self.configdir = self.workdir / "etc"
        self.logfile = self.workdir / "janus.log"
        self.http_port = http_port or free_port()
        self.admin_port = admin_port or free_port()
        self.ws_port = ws_port or free_port()
        self.rtp_range = rtp_range  # ICE/RTP with the browsers
        self.mountpoint_range = mountpoint_range  # Streaming inputs created with port 0
        self.api_secret = api_secret
        self.admin_secret = admin_secret or secrets.token_urlsafe(16)
        self.admin_key = admin_key or secrets.token_urlsafe(16)
        self.ice_enforce_list = ice_enforce_list
        self.session_timeout = session_timeout
        self.debug_level = debug_level
        # Told back by {"janus": "info"}: the answer on our port is from this Janus, not
        # from another one (Debian's service, another demo) that holds the port.
        self.server_name = server_name or f"seance-{secrets.token_hex(6)}"
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}/admin"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def environ(self) -> dict[str, str]:
        """The variables through which Django reaches this Janus (see janus.JanusSettings)."""
        env = {"SEANCE_JANUS_URL": self.ws_url, "SEANCE_JANUS_ADMIN_KEY": self.admin_key}
        if self.api_secret:
            env["SEANCE_JANUS_API_SECRET"] = self.api_secret
        return env

    def write_config(self) -> Path:
        self.configdir.mkdir(parents=True, exist_ok=True)
        files = {
            "janus.jcfg": self._main_config(),
            "janus.transport.websockets.jcfg": self._websockets_config(),
            "janus.transport.http.jcfg": self._http_config(),
            "janus.plugin.videoroom.jcfg": _jcfg(
                {"general": {"admin_key": self.admin_key, "lock_rtp_forward": True}}
            ),
            "janus.plugin.streaming.jcfg": _jcfg(
                {
                    "general": {
                        "admin_key": self.admin_key,
                        "rtp_port_range": "{}-{}".format(*self.mountpoint_range),
                    }
                }
            ),
        }
        for name, text in files.items():
            path = self.configdir / name
            path.write_text(text)
            path.chmod(0o600)  # secrets inside
        return self.configdir / "janus.jcfg"

    def _main_config(self) -> str:
        general: dict[str, object] = {
            "configs_folder": str(self.configdir),
            "log_to_stdout": False,
            "log_to_file": str(self.logfile),
            "debug_level": self.debug_level,
            "admin_secret": self.admin_secret,
            "session_timeout": self.session_timeout,
            "server_name": self.server_name,
            # A fixed pool of media threads instead of one per handle (two per councillor):
            # a third less CPU for a sitting's video, measured by bench/sfu_load.py.
            "event_loops": os.cpu_count() or 2,
        }
        if self.api_secret:
            general["api_secret"] = self.api_secret
        nat: dict[str, object] = {"nice_debug": False, "full_trickle": True, "ignore_mdns": False}
        if self.ice_enforce_list:
            nat["ice_enforce_list"] = self.ice_enforce_list
        else:
            nat["ice_ignore_list"] = ICE_IGNORED
        return _jcfg(
            {
                "general": general,
                "media": {"rtp_port_range": "{}-{}".format(*self.rtp_range)},
                "nat": nat,
                "plugins": {"disable": ",".join(_modules_except("plugins", KEPT_PLUGINS))},
                "transports": {"disable": ",".join(_modules_except("transports", KEPT_TRANSPORTS))},
                "loggers": {"disable": ",".join(_modules_except("loggers", ()))},
                "events": {"broadcast": False, "disable": ",".join(_modules_except("events", ()))},
            }
        )

    def _websockets_config(self) -> str:
        return _jcfg(
            {
                "general": {
                    "json": "compact",
                    "ws": True,
                    "ws_port": self.ws_port,
                    "ws_ip": "127.0.0.1",
                    "wss": False,
                },
                "admin": {"admin_ws": False, "admin_wss": False},
            }
        )

    def _http_config(self) -> str:
        return _jcfg(
            {
                "general": {
                    "json": "compact",
                    "base_path": "/janus",
                    "http": True,
                    "port": self.http_port,
                    "ip": "127.0.0.1",
                    "https": False,
                },
                "admin": {
                    "admin_base_path": "/admin",
                    "admin_http": True,
                    "admin_port": self.admin_port,
                    "admin_ip": "127.0.0.1",
                    "admin_https": False,
                },
            }
        )

    def command(self) -> list[str]:
        janus = shutil.which("janus")
        if janus is None:
            raise JanusStartError("janus is not installed (apt-get install janus)")
        return [janus, "-F", str(self.configdir), "-C", str(self.configdir / "janus.jcfg"), "-o"]

    def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        self._popen = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def info(self) -> dict[str, object] | None:
        """Janus's answer to {"janus": "info"}, or None while it does not answer."""
        request = urllib.request.Request(self.http_url + "/info")
        try:
            with urllib.request.urlopen(request, timeout=1.0) as response:
                data = json.load(response)
        except (OSError, urllib.error.URLError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("janus") == "server_info" else None

    def wait_ready(self, timeout: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise JanusStartError(f"janus exited at start: {self.log_tail()}")
            info = self.info()
            if info is not None and info.get("server-name") != self.server_name:
                raise JanusStartError(
                    f"another Janus ({info.get('server-name')}) answers on port {self.http_port}"
                )
            if info is not None and self._ws_listening():
                return info
            time.sleep(0.1)
        raise JanusStartError(f"janus did not answer within {timeout} s: {self.log_tail()}")

    def _ws_listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.ws_port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace: float = 5.0) -> None:
        popen, self._popen = self._popen, None
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGINT)  # Janus closes its sessions and plugins
        try:
            popen.wait(grace)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()

    def __enter__(self) -> JanusProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_udp_block(size: int, start: int = 22000, stop: int = 60000) -> tuple[int, int]:
    """The first block of `size` UDP ports from `start` (in steps of `size`) that are all
    free on every address: an RTP range no other Janus or process is using now. The tests'
    Janus instances keep the default ranges (20000-21999), below `start`."""
    for first in range(start, stop - size + 1, size):
        if all(_udp_free(port) for port in range(first, first + size)):
            return first, first + size - 1
    raise JanusStartError(f"no {size} free UDP ports in a row between {start} and {stop}")


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    """The demo's Janus: `python -m streaming.conference.janus_process var/janus`; takes
    free ports (its API's, and a free RTP range for the browsers and for the Streaming
    inputs) unless they are given, prints the variables for Django and runs until Ctrl-C."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--ws-port", type=int, default=None)
    parser.add_argument("--http-port", type=int, default=None)
    parser.add_argument("--admin-port", type=int, default=None)
    parser.add_argument("--rtp-ports", type=int, default=500, help="size of each RTP range")
    parser.add_argument("--ice-enforce-list", default=None)
    args = parser.parse_args(argv)
    rtp_range = free_udp_block(args.rtp_ports)
    mountpoint_range = free_udp_block(args.rtp_ports, start=rtp_range[1] + 1)
    janus = JanusProcess(
        args.workdir,
        ws_port=args.ws_port,
        http_port=args.http_port,
        admin_port=args.admin_port,
        rtp_range=rtp_range,
        mountpoint_range=mountpoint_range,
        api_secret=secrets.token_urlsafe(16),
        ice_enforce_list=args.ice_enforce_list,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    janus.start()
    print("\n".join(f"export {key}={value}" for key, value in janus.environ().items()))
    print(
        f"# log: {janus.logfile}; admin API: {janus.admin_url};"
        " RTP {}-{}, Streaming inputs {}-{}".format(*janus.rtp_range, *janus.mountpoint_range),
        flush=True,
    )
    try:
        while janus.running:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        janus.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
