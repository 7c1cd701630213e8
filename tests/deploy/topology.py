"""The shipped production topology, started as deploy/ says, on a test machine: the unit
files' ExecStart lines (two Daphne instances of the template, the e-mail worker, the
broadcast worker), nginx with the shipped site, coturn with the shipped configuration and
Janus with the shipped jcfg files, over PostgreSQL and Redis. Only the prefix
(/opt/seance, /var/lib/seance, /etc/seance/seance.env), the certificates and the ports are
rewritten (shipped.py)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from streaming.ports import free_port

from .conftest import wait_for
from .shipped import (
    DEPLOY,
    ROOT,
    coturn_argv,
    coturn_config,
    exec_argv,
    host_address,
    read_env_file,
    unit_sections,
)

HOST = "seance.example.fr"
SYSTEMD = DEPLOY / "systemd"


def free_range(size: int) -> int:
    """The first of `size` consecutive free TCP and UDP ports (as far as a bind tells)."""
    for _ in range(200):
        base = free_port()
        if base + size > 65535:
            continue
        try:
            for port in range(base, base + size):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as sock:
                        sock.bind(("0.0.0.0", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {size} consecutive free ports")


@dataclass
class Topology:
    workdir: Path
    https_port: int = 0
    http_port: int = 0
    daphne_ports: list[int] = field(default_factory=list)
    turn_port: int = 0
    host_ip: str = ""
    env: dict[str, str] = field(default_factory=dict)
    ca: trustme.CA | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logins: str = ""

    @property
    def var(self) -> Path:
        return self.workdir / "var"

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def ssl_context(self) -> ssl.SSLContext:
        assert self.ca is not None
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
        """GET through nginx over HTTPS, verified against the test CA, Host as deployed."""
        request = urllib.request.Request(
            f"https://127.0.0.1:{self.https_port}{path}", headers={"Host": HOST}
        )
        try:
            with urllib.request.urlopen(request, context=self.ssl_context(), timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def log(self, name: str) -> Path:
        return self.workdir / "logs" / f"{name}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            text = self.log(name).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def alive(self, name: str) -> None:
        proc = self.procs[name]
        assert proc.poll() is None, f"{name} exited ({proc.returncode}):\n{self.tail(name)}"

    def start(self, name: str, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.log(name).parent.mkdir(exist_ok=True)
        with open(self.log(name), "ab") as out:
            self.procs[name] = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for name, proc in self.procs.items():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
            del name


def unit_environment(topology: Topology) -> dict[str, str]:
    """What systemd gives a unit: its EnvironmentFile's variables and a minimal PATH."""
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "HOME": str(topology.var),
        # The test reads the processes' logs while they run (which Daphne took a socket).
        "PYTHONUNBUFFERED": "1",
        **topology.env,
    }


def write_env_file(topology: Topology, postgres_url: str, redis_url: str, janus: dict) -> Path:
    """deploy/production.env.example filled in as an administrator would."""
    shipped = read_env_file(DEPLOY / "production.env.example")
    env = {k: v.replace("/var/lib/seance", str(topology.var)) for k, v in shipped.items()}
    for key in [k for k in env if k.startswith("EMAIL_")]:
        del env[key]  # no SMTP relay here: the convocations go to the outbox
    env.update(
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        CSRF_TRUSTED_ORIGINS=topology.base,
        SEANCE_PUBLIC_URL=topology.base,
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,
        SEANCE_BROADCAST_LADDER="small",
        SEANCE_TURN_URLS=f"turn:{topology.host_ip}:{topology.turn_port}?transport=udp",
        SEANCE_TURN_SECRET=secrets.token_hex(32),
        SEANCE_VOTE_LOG_KEY=secrets.token_hex(32),
        SEANCE_PUBLIC_FEED_PUBLISH_URL=f"http://127.0.0.1:{free_port()}/_nchan/pub/",
        **janus,
    )
    missing = [k for k in ("SEANCE_TURN_URLS", "SEANCE_TURN_SECRET", "SEANCE_JANUS_URL")
               if k not in shipped]  # fmt: skip
    assert not missing, f"production.env.example does not name {missing}"
    path = topology.workdir / "etc" / "seance.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    topology.env = read_env_file(path)
    return path


def start_janus(topology: Topology) -> dict[str, str]:
    """Debian's janus with the shipped jcfg files (folders, secrets and ports rewritten)."""
    etc = topology.workdir / "janus"
    etc.mkdir()
    api_secret, admin_secret, admin_key = (secrets.token_urlsafe(16) for _ in range(3))
    ws, http, admin = free_port(), free_port(), free_port()
    rtp = free_range(200)
    mounts = free_range(50)
    for source in (DEPLOY / "janus").glob("*.jcfg"):
        text = source.read_text()
        text = text.replace('"/etc/janus"', f'"{etc}"')
        text = text.replace("CHANGE-ME-api-secret", api_secret)
        text = text.replace("CHANGE-ME-admin-secret", admin_secret)
        text = re.sub(r'"CHANGE-ME-admin-key[^"]*"', f'"{admin_key}"', text)
        text = text.replace("ws_port = 8188", f"ws_port = {ws}")
        text = text.replace("port = 8088", f"port = {http}")
        text = text.replace("admin_port = 7088", f"admin_port = {admin}")
        text = text.replace(
            'rtp_port_range = "20000-40000"', f'rtp_port_range = "{rtp}-{rtp + 199}"'
        )
        text = text.replace(
            'rtp_port_range = "41000-41999"', f'rtp_port_range = "{mounts}-{mounts + 49}"'
        )
        settings = [line for line in text.splitlines() if not line.strip().startswith("#")]
        assert not [line for line in settings if "CHANGE-ME" in line], (
            f"{source.name}: a CHANGE-ME the test does not know"
        )
        (etc / source.name).write_text(text)
    # Debian's janus.service runs `janus --disable-colors --daemon --log-stdout`: the same,
    # in the foreground, with our configuration folder.
    argv = ["/usr/bin/janus", "--disable-colors", "--log-stdout", "-F", str(etc),
            "-C", str(etc / "janus.jcfg")]  # fmt: skip
    topology.start("janus", argv, etc, {"PATH": "/usr/bin:/bin"})

    def ready() -> bool:
        topology.alive("janus")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/janus/info", timeout=1) as r:
                return b"server_info" in r.read()
        except OSError:
            return False

    wait_for(ready, 30, "Janus with the shipped configuration")
    return {
        "SEANCE_JANUS_URL": f"ws://127.0.0.1:{ws}/",
        "SEANCE_JANUS_API_SECRET": api_secret,
        "SEANCE_JANUS_ADMIN_KEY": admin_key,
    }


def nginx_site(topology: Topology, certs: tuple[Path, Path]) -> Path:
    """The shipped site with the test's ports, certificates, prefix and Daphne instances."""
    text = (DEPLOY / "nginx" / "seance.conf").read_text()
    upstreams = re.findall(r"upstream (\w+) \{(.*?)\}", text, re.S)
    servers = {name: re.findall(r"server 127\.0\.0\.1:(\d+)", body) for name, body in upstreams}
    assert servers["seance_daphne"], "no Daphne upstream in the nginx site"
    for name, ports in servers.items():
        assert ports == servers["seance_daphne"], f"upstream {name} lists {ports}"
    shipped = servers["seance_daphne"]
    assert len(shipped) >= 2, "the nginx upstream must list several Daphne instances"
    assert len(shipped) == len(topology.daphne_ports)
    for port, ours in zip(shipped, topology.daphne_ports, strict=True):
        text = text.replace(f"server 127.0.0.1:{port} ", f"server 127.0.0.1:{ours} ")
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)  # the test machine: IPv4 only
    text = text.replace("listen 80;", f"listen 127.0.0.1:{topology.http_port};")
    feed = topology.env["SEANCE_PUBLIC_FEED_PUBLISH_URL"]  # nchan's publisher (loopback)
    text = text.replace("listen 127.0.0.1:8090;", f"listen {feed.split('/')[2]};")
    text = text.replace(
        "listen 443 ssl http2;", f"listen 127.0.0.1:{topology.https_port} ssl http2;"
    )
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {certs[0]};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {certs[1]};", text)
    text = text.replace("/var/lib/seance", str(topology.var))
    text = text.replace("/var/www/letsencrypt", str(topology.workdir / "letsencrypt"))
    for needed in re.findall(r"(?:alias|root)\s+(\S+);", text):
        assert Path(needed).is_dir(), f"nginx site names {needed}, which does not exist"
    site = topology.workdir / "nginx" / "seance.conf"
    site.parent.mkdir()
    site.write_text(text)
    return site


def nginx_conf(topology: Topology, site: Path) -> Path:
    """A minimal nginx.conf that includes the site, as Debian's includes sites-enabled."""
    run = site.parent
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = run / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
include /etc/nginx/modules-enabled/*.conf;
daemon off;
pid {run}/nginx.pid;
error_log {topology.log("nginx-error")} info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {topology.log("nginx-access")};
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {site};
}}
"""
    )
    return conf


def manage(topology: Topology, *args: str, extra: dict[str, str] | None = None) -> str:
    """A management command as deploy/README.md runs it: the environment file loaded."""
    env = {**unit_environment(topology), **(extra or {})}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def issue_certificates(topology: Topology, workdir: Path) -> tuple[Path, Path]:
    """The site's certificate and key from a test CA (topology.ca), in `workdir`, beside
    the folders nginx's site names (letsencrypt, logs)."""
    (workdir / "letsencrypt").mkdir()
    (workdir / "logs").mkdir()
    topology.ca = trustme.CA()
    cert = topology.ca.issue_cert(HOST, "127.0.0.1")
    certs = (workdir / "fullchain.pem", workdir / "privkey.pem")
    cert.private_key_and_cert_chain_pem.write_to_path(str(certs[0]))
    cert.private_key_pem.write_to_path(str(certs[1]))
    return certs


def start_topology(workdir: Path, postgres_url: str, redis_url: str) -> Topology:
    topology = Topology(workdir=workdir)
    topology.host_ip = host_address()
    topology.https_port, topology.http_port = free_port(), free_port()
    for sub in ("static", "media", "hls", "recordings", "outbox"):
        (topology.var / sub).mkdir(parents=True, exist_ok=True)
    certs = issue_certificates(topology, workdir)

    janus = start_janus(topology)
    # coturn first learns its port (the env file names it), then gets the env's secret.
    topology.turn_port = free_port()
    env_file = write_env_file(topology, postgres_url, redis_url, janus)
    relay = free_range(40)
    config = coturn_config(
        workdir=workdir, port=topology.turn_port, tls_port=free_port(),
        relay_ports=(relay, relay + 39), cert=certs[0], key=certs[1],
        peer_ip=topology.host_ip, secret=topology.env["SEANCE_TURN_SECRET"],
    )  # fmt: skip
    topology.start("coturn", coturn_argv(config), workdir, {"PATH": "/usr/bin:/bin"})

    # First install, as deploy/README.md: schema, static files, then the demo councils.
    cameras = free_range(30)
    manage(topology, "migrate", "--noinput")
    manage(topology, "collectstatic", "--noinput", "--verbosity", "0")
    topology.logins = manage(
        topology, "seance_demo", "--no-replay", extra={"SEANCE_DEMO_CAMERA_PORT": str(cameras)}
    )
    topology.start(
        "cameras",
        [sys.executable, "-m", "streaming.simulator", "--count", "3", "--base-port", str(cameras)],
        ROOT,
        unit_environment(topology),
    )

    paths = {"/opt/seance": str(ROOT), "/var/lib/seance": str(topology.var),
             "/etc/seance/seance.env": str(env_file)}  # fmt: skip
    env = unit_environment(topology)
    units = sorted(SYSTEMD.glob("*.service"))
    names = {u.name for u in units}
    assert {"seance-daphne@.service", "seance-celery.service",
            "seance-broadcast.service"} <= names, names  # fmt: skip
    for unit in units:
        service = dict(unit_sections(unit)["Service"])
        cwd = Path(service["WorkingDirectory"].replace("/opt/seance", str(ROOT)))
        assert cwd.is_dir(), f"{unit.name}: WorkingDirectory {cwd} does not exist"
        env_path = service.get("EnvironmentFile", "/etc/seance/seance.env").lstrip("-")
        assert env_path == "/etc/seance/seance.env", f"{unit.name} reads {env_path}"
        if service.get("Type", "simple") == "oneshot":
            # Started by a timer (the backup, tested in test_backup.py): its command must
            # exist as written; it does not run here.
            exec_argv(unit, paths, env)
            continue
        for writable in service.get("ReadWritePaths", "").split():
            assert Path(paths.get(writable, writable)).is_dir(), f"{unit.name}: {writable}"
        if unit.name.endswith("@.service"):
            for _ in range(2):
                port = free_port()
                topology.daphne_ports.append(port)
                argv = exec_argv(unit, paths, env, instance=str(port))
                topology.start(f"daphne-{port}", argv, cwd, env)
        else:
            topology.start(
                unit.name.removesuffix(".service"), exec_argv(unit, paths, env), cwd, env
            )

    for port in topology.daphne_ports:

        def listening(port: int = port) -> bool:
            topology.alive(f"daphne-{port}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return False
            return True

        wait_for(listening, 60, f"Daphne instance {port}")
    for worker in ("seance-celery", "seance-broadcast"):

        def ready(worker: str = worker) -> bool:
            topology.alive(worker)
            return " ready." in topology.log(worker).read_text(errors="replace")

        wait_for(ready, 90, f"the Celery worker {worker}")

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = nginx_conf(topology, nginx_site(topology, certs))
    test = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert test.returncode == 0, f"nginx -t refuses the shipped site:\n{test.stderr}"
    topology.start("nginx", [nginx, "-c", str(conf)], workdir, {"PATH": "/usr/bin:/bin"})
    wait_for(lambda: topology.get("/")[0] == 200, 30, "the home page through nginx")
    return topology
