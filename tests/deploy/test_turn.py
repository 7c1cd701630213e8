"""TURN credentials (streaming/visio/turn.py) against the shipped coturn configuration
(deploy/coturn/turnserver.conf) run by the real turnserver: what Django mints is what
coturn's use-auth-secret accepts, until it expires, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import time

import pytest
import trustme

from streaming.ports import free_port
from streaming.visio.turn import ice_servers, turn_password, turn_username

from .conftest import wait_for
from .shipped import coturn_argv, coturn_config, host_address
from .turnclient import allocate

SECRET = "a-turn-secret-shared-by-django-and-coturn"


def test_credential_format(settings):
    """username "<expiry>:<user>-<sitting>", password base64(HMAC-SHA1(secret, username))."""
    settings.SEANCE_TURN_URLS = ["turn:seance.example.fr:3478?transport=udp",
                                 "turns:seance.example.fr:5349?transport=tcp"]  # fmt: skip
    settings.SEANCE_TURN_SECRET = SECRET
    settings.SEANCE_TURN_TTL = 3600
    (server,) = ice_servers(7, 42, now=1_700_000_000)
    assert server["urls"] == settings.SEANCE_TURN_URLS
    assert server["username"] == "1700003600:7-42"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), b"1700003600:7-42", hashlib.sha1).digest()
    ).decode()
    assert server["credential"] == expected
    assert len(base64.b64decode(server["credential"])) == 20  # a SHA-1 digest


def test_no_turn_configured_gives_no_servers(settings):
    settings.SEANCE_TURN_URLS = []
    settings.SEANCE_TURN_SECRET = ""
    assert ice_servers(7, 42) == []
    settings.SEANCE_TURN_URLS = ["turn:seance.example.fr:3478"]
    assert ice_servers(7, 42) == []  # a URL without its secret would only fail in coturn


@pytest.fixture(scope="module")
def coturn(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("coturn")
    ca = trustme.CA()
    cert = ca.issue_cert("seance.example.fr", "127.0.0.1")
    cert.private_key_pem.write_to_path(str(workdir / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(workdir / "cert.pem"))
    port = free_port()
    base = free_port()
    config = coturn_config(
        workdir=workdir, port=port, tls_port=free_port(), relay_ports=(base, base + 20),
        cert=workdir / "cert.pem", key=workdir / "key.pem", peer_ip=host_address(),
        secret=SECRET,
    )  # fmt: skip
    proc = subprocess.Popen(coturn_argv(config), cwd=workdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)  # fmt: skip
    log = workdir / "turnserver.log"

    def answering() -> bool:
        assert proc.poll() is None, f"turnserver exited: {log.read_text(errors='replace')}"
        return allocate("127.0.0.1", port, "0:nobody", "x", timeout=0.5).startswith("error")

    try:
        wait_for(answering, 30, "coturn to answer")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_coturn_accepts_what_django_mints(coturn, settings):
    settings.SEANCE_TURN_SECRET = SECRET
    settings.SEANCE_TURN_URLS = [f"turn:127.0.0.1:{coturn}"]
    settings.SEANCE_TURN_TTL = 600
    (server,) = ice_servers(7, 42)
    assert allocate("127.0.0.1", coturn, server["username"], server["credential"]).startswith("ok")


def test_coturn_refuses_a_wrong_secret_and_an_expired_credential(coturn, settings):
    settings.SEANCE_TURN_TTL = 600
    username = turn_username(7, 42)
    assert allocate("127.0.0.1", coturn, username, turn_password("another", username)) == (
        "error 401"
    )
    settings.SEANCE_TURN_TTL = -60  # expired a minute ago
    expired = turn_username(7, 42, now=time.time())
    assert allocate("127.0.0.1", coturn, expired, turn_password(SECRET, expired)) == "error 401"
    # A static password, without the expiry scheme, is not a credential at all.
    assert allocate("127.0.0.1", coturn, "councillor", "password") == "error 401"
