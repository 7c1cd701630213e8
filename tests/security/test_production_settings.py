"""Defaults (issue 14): production refuses to start without its secrets; behind nginx,
absolute URLs are https; Janus's room secrets do not come from the published demo key;
the admin site is off the public nginx site unless an administrators' network is allowed."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from council.production import DEMO_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]

SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SEANCE_VOTE_LOG_KEY": "v" * 64,
    "SEANCE_JANUS_API_SECRET": "janus-api-secret-of-this-server",
    "SEANCE_JANUS_ADMIN_KEY": "janus-admin-key-of-this-server",
    "SEANCE_TURN_SECRET": "t" * 64,
}


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    """What /etc/seance/seance.env gives a unit, filled in, then `changes` (None: unset)."""
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "council.settings",
        "SEANCE_ENV": "production",
        "SEANCE_VAR_DIR": str(tmp_path / "var"),
        "ALLOWED_HOSTS": "seance.example.fr",
        "SECURE_COOKIES": "1",
        "SEANCE_JANUS_URL": "ws://127.0.0.1:8188/",
        "SEANCE_TURN_URLS": "turn:seance.example.fr:3478?transport=udp",
        **SECRETS,
    }
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(tmp_path, name):
    missing = manage(production_env(tmp_path, **{name: None}), "check", "--deploy")
    assert missing.returncode != 0
    last = missing.stderr.strip().splitlines()[-1]
    assert f"{name} is not set" in last and "refuses to start in production" in last
    assert [other for other in SECRETS if other != name and f"{other} is" in last] == []


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [
        ("SECRET_KEY", DEMO_SECRET_KEY),
        ("SECRET_KEY", "change-me"),  # deploy/production.env.example as shipped
        ("SEANCE_JANUS_API_SECRET", "CHANGE-ME-api-secret"),  # deploy/janus/janus.jcfg
        ("SEANCE_JANUS_ADMIN_KEY", "CHANGE-ME-admin-key"),
        ("SEANCE_TURN_SECRET", "CHANGE-ME-turn-secret"),  # deploy/coturn/turnserver.conf
        ("SEANCE_VOTE_LOG_KEY", "change-me"),
    ],
)
def test_production_refuses_the_shipped_placeholders(tmp_path, name, placeholder):
    refused = manage(production_env(tmp_path, **{name: placeholder}), "check")
    assert refused.returncode != 0
    assert f"{name} is not set, or is still a placeholder" in refused.stderr


def test_production_with_every_secret_starts_and_passes_the_deploy_check(tmp_path):
    ok = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "ERROR")
    assert ok.returncode == 0, ok.stderr
    assert "SECRET_KEY" not in ok.stderr  # Django's own check finds the key strong enough


def test_secrets_of_features_not_used_are_not_required(tmp_path):
    """Without Janus (the embedded relay) or TURN, their secrets are not asked for."""
    env = production_env(
        tmp_path,
        SEANCE_JANUS_URL=None,
        SEANCE_TURN_URLS=None,
        SEANCE_JANUS_API_SECRET=None,
        SEANCE_JANUS_ADMIN_KEY=None,
        SEANCE_TURN_SECRET=None,
    )
    assert manage(env, "check").returncode == 0


def test_the_vote_log_key_may_be_kept_in_a_file(tmp_path):
    key_file = tmp_path / "vote-log.key"
    key_file.write_text("f" * 64)
    env = production_env(tmp_path, SEANCE_VOTE_LOG_KEY=None, SEANCE_VOTE_LOG_KEY_FILE=str(key_file))
    assert manage(env, "check").returncode == 0
    key_file.unlink()
    assert "SEANCE_VOTE_LOG_KEY is not set" in manage(env, "check").stderr


def test_debug_and_unknown_environments_are_refused(tmp_path):
    debug = manage(production_env(tmp_path, DEBUG="1"), "check")
    assert debug.returncode != 0 and "DEBUG=1" in debug.stderr
    typo = manage(production_env(tmp_path, SEANCE_ENV="prod"), "check")
    assert typo.returncode != 0 and "SEANCE_ENV='prod'" in typo.stderr


def test_behind_nginx_absolute_urls_are_https(tmp_path):
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.test import RequestFactory
        behind = RequestFactory().get("/sittings/", HTTP_X_FORWARDED_PROTO="https",
                                      HTTP_HOST="seance.example.fr")
        print(behind.build_absolute_uri(), behind.is_secure())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=production_env(tmp_path),
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["https://seance.example.fr/sittings/", "True"]


def test_janus_room_secrets_are_not_derived_from_the_demo_key(settings):
    from streaming.visio.janus_room import room_secret
    from streaming.visio.programme_feed import mountpoint_pin, mountpoint_secret

    settings.SECRET_KEY = DEMO_SECRET_KEY
    settings.SEANCE_JANUS_ADMIN_KEY = "the-admin-key-of-this-janus"

    def from_demo_key(purpose: str) -> str:
        digest = hmac.new(DEMO_SECRET_KEY.encode(), f"{purpose}-7".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    assert room_secret(7) != from_demo_key("videoroom")
    assert mountpoint_secret(7) != from_demo_key("programme-secret")
    assert mountpoint_pin(7) != from_demo_key("programme-pin")
    # Every process computes the same ones (runner and Daphne).
    assert room_secret(7) == room_secret(7) and room_secret(7) != room_secret(8)


# --- /admin/ on the shipped nginx site ------------------------------------------------------


class Upstream:
    """A Daphne stand-in: answers every request with the headers nginx passed on."""

    def __init__(self) -> None:
        import http.server
        import threading

        class Echo(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = "\n".join(f"{k}: {v}" for k, v in self.headers.items()).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def nginx_site(tmp_path):
    """The shipped site on free loopback ports, its upstreams pointed at a stand-in, and
    its optional /etc/nginx/seance-admin.conf moved to the test's folder."""
    import re
    import socket
    import time

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is not installed (apt-get install nginx-light)"
    upstream = Upstream()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = (ROOT / "deploy" / "nginx" / "seance.conf").read_text()
    text = re.sub(r"server 127\.0\.0\.1:\d+ ", f"server 127.0.0.1:{upstream.port} ", text)
    admin_conf = tmp_path / "seance-admin.conf"
    assert "include /etc/nginx/seance-admin[.]conf;" in text, "the admin include is gone"
    text = text.replace("/etc/nginx/seance-admin[.]conf", f"{tmp_path}/seance-admin[.]conf")
    # The upstreams and maps, and the HTTPS server without TLS (the port-80 one redirects).
    head, _redirect, https = text.split("\nserver {", 2)
    https = https.split("\nserver {")[0]  # not the loopback publisher of the public feed
    https = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", https)
    https = https.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    https = re.sub(r"\n\s*ssl_\w+\s+[^;]*;", "", https)
    (tmp_path / "site.conf").write_text(head + "\nserver {" + https)
    conf = tmp_path / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\n"  # the public feed's
        f"{user}worker_processes 1;\ndaemon off;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; "
        f"proxy_temp_path {tmp_path}; fastcgi_temp_path {tmp_path}; "
        f"uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path}; "
        f"include {tmp_path}/site.conf; }}\n"
    )

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)],
                                stderr=subprocess.PIPE)  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(0.05)
        raise AssertionError("nginx did not listen")

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            headers={"Host": "seance.example.fr", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, ""

    procs: list[subprocess.Popen] = []

    def run(admin_network: str | None) -> None:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        procs.clear()
        if admin_network is None:
            admin_conf.unlink(missing_ok=True)
        else:
            admin_conf.write_text(f"allow {admin_network};\n")
        procs.append(start())

    yield run, get
    for proc in procs:
        proc.terminate()
        proc.wait(10)
    upstream.server.shutdown()


def test_admin_is_off_the_public_site_unless_an_admin_network_is_allowed(nginx_site):
    run, get = nginx_site
    run(admin_network=None)
    assert get("/admin/login/")[0] == 403
    status, echoed = get("/sittings/", {"X-Forwarded-For": "6.6.6.6"})
    assert status == 200
    # nginx is the edge: a client's own X-Forwarded-For is replaced, never passed on (the
    # login throttle counts by it), and the scheme is always said.
    assert "X-Forwarded-For: 127.0.0.1" in echoed and "6.6.6.6" not in echoed
    assert "X-Forwarded-Proto: http" in echoed

    run(admin_network="127.0.0.0/8")
    status, echoed = get("/admin/login/")
    assert status == 200 and "X-Forwarded-Proto" in echoed
