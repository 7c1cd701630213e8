"""Clients that are not the project's own against the strict simulated camera: the
classic ONVIF client (onvif-zeep's ONVIFCamera), visca-over-ip's Camera, and SOAP
requests signed here by hand, to show the simulator refuses what a camera refuses.

onvif-zeep installs the same top-level package as onvif-zeep-async (`onvif`), the
driver's library: the two cannot share an environment (pip overwrites one's files with
the other's). So onvif-zeep is installed with pip into its own prefix under var/ (once,
kept across runs) and run in a subprocess with that prefix first on its path.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from visca_over_ip import Camera as ViscaCamera
from visca_over_ip.exceptions import ViscaException

from streaming.ports import free_port
from streaming.ptz import visca
from streaming.simulator import SimulatedCamera
from streaming.simulator.camera import DEMO_ONVIF_PASSWORD, DEMO_ONVIF_USER
from streaming.simulator.soap import DIGEST, NS

ROOT = Path(__file__).resolve().parents[2]
CLASSIC = "onvif-zeep==0.2.12"
CLASSIC_PREFIX = ROOT / "var" / "test-clients" / "onvif-zeep-0.2.12"
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"

CLASSIC_SCRIPT = r"""
import json, sys, time
import onvif
from onvif import ONVIFCamera

host, port, user, password = sys.argv[1:5]
out = {"module": onvif.__file__}
try:
    ONVIFCamera(host, int(port), user, "wrong", no_cache=True)
    out["wrong_password"] = "accepted"
except Exception as error:
    out["wrong_password"] = str(error)
camera = ONVIFCamera(host, int(port), user, password, no_cache=True)
out["model"] = camera.devicemgmt.GetDeviceInformation().Model
media = camera.create_media_service()
profile = [p.token for p in media.GetProfiles() if p.PTZConfiguration][0]
out["profile"] = profile
setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
out["uri"] = media.GetStreamUri({"StreamSetup": setup, "ProfileToken": profile}).Uri
ptz = camera.create_ptz_service()

def settle():
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = ptz.GetStatus({"ProfileToken": profile})
        if status.MoveStatus.PanTilt == "IDLE" and status.MoveStatus.Zoom == "IDLE":
            p = status.Position
            return [p.PanTilt.x, p.PanTilt.y, p.Zoom.x]
        time.sleep(0.1)
    raise SystemExit("never settled")

presets = {p.Name: p.token for p in ptz.GetPresets({"ProfileToken": profile})}
out["presets"] = presets
ptz.GotoPreset({"ProfileToken": profile, "PresetToken": presets["Place 3"]})
out["at_place_3"] = settle()
vector = {"PanTilt": {"x": 0.25, "y": -0.5}, "Zoom": {"x": 0.125}}
ptz.AbsoluteMove({"ProfileToken": profile, "Position": vector})
out["after_absolute"] = settle()
out["new_token"] = ptz.SetPreset({"ProfileToken": profile, "PresetName": "Greffe"})
ptz.ContinuousMove({"ProfileToken": profile, "Velocity": {"PanTilt": {"x": 0.5, "y": 0}}})
time.sleep(0.3)
ptz.Stop({"ProfileToken": profile, "PanTilt": True, "Zoom": True})
out["after_drive"] = settle()
try:
    ptz.GotoPreset({"ProfileToken": profile, "PresetToken": "3"})
    out["slot_as_token"] = "accepted"
except Exception as error:  # onvif-zeep wraps the SOAP fault in an ONVIFError
    out["slot_as_token"] = str(error)
print(json.dumps(out))
"""


@pytest.fixture(scope="session")
def classic_onvif() -> Path:
    """The site-packages folder of onvif-zeep, installed apart from the project's venv."""
    site = CLASSIC_PREFIX / SITE
    if not (site / "onvif" / "client.py").exists() or not (site / "wsdl").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
            + ["--prefix", str(CLASSIC_PREFIX), CLASSIC],
            check=True,
            timeout=300,
        )
    return site


def onvif_camera(**options) -> SimulatedCamera:
    return SimulatedCamera(
        "Client test",
        "0x30A050",
        visca_port=free_port(socket.SOCK_DGRAM),
        onvif_port=free_port(),
        feed_port=free_port(socket.SOCK_DGRAM),
        **options,
    )


def test_the_classic_onvif_client_drives_the_simulator(classic_onvif, tmp_path):
    script = tmp_path / "classic_client.py"
    script.write_text(CLASSIC_SCRIPT)
    with onvif_camera() as camera:
        host, port = camera.onvif_address.split(":")
        run = subprocess.run(
            [sys.executable, str(script), host, port, DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD],
            env=os.environ | {"PYTHONPATH": str(classic_onvif)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        out = json.loads(run.stdout.strip().splitlines()[-1])
        place_3 = next(p for p in camera.named_presets if p.name == "Place 3")
        greffe = next(p for p in camera.named_presets if p.name == "Greffe")

    assert out["module"].startswith(str(classic_onvif))  # onvif-zeep, not the driver's
    assert "Sender not Authorized" in out["wrong_password"]
    assert out["model"] == "Simulated PTZ (Client test)"
    assert out["profile"] == "main_stream"
    assert out["uri"] == camera.feed_url
    assert out["presets"]["Place 3"] == place_3.token
    assert out["at_place_3"] == pytest.approx(list(place_3.position.__dict__.values()))
    assert out["after_absolute"] == pytest.approx([0.25, -0.5, 0.125])
    assert out["new_token"] == greffe.token
    assert out["after_drive"][0] > 0.25 and out["after_drive"][1:] == pytest.approx([-0.5, 0.125])
    assert "no preset with token '3'" in out["slot_as_token"]


def test_the_visca_over_ip_client_drives_the_simulator():
    """visca-over-ip binds its inquiry socket to the camera's port number on every
    address: the camera is on 127.0.0.2, the client on 127.0.0.1, one port number."""
    port = free_port(socket.SOCK_DGRAM)
    with SimulatedCamera(
        "VISCA client",
        "0x3050B0",
        host="127.0.0.2",
        share_port=True,
        visca_port=port,
        feed_port=free_port(socket.SOCK_DGRAM),
    ) as camera:
        client = ViscaCamera("127.0.0.2", port)  # RESET, then IF_Clear: 90 50 FF
        try:
            client.recall_preset(3)  # returns at the ACK; the head takes its time
            wanted = visca.to_units(camera.presets[3])
            assert wait_until(
                lambda: (*client.get_pantilt_position(), client.get_zoom_position()) == wanted
            )
            client.pantilt(24, 20, pan_position=600, tilt_position=-300)
            assert wait_until(lambda: client.get_pantilt_position() == (600, -300))
            client.zoom_to(0.5)
            assert wait_until(lambda: client.get_zoom_position() == 0x2000)
            client.save_preset(9)
            assert visca.to_units(camera.presets[9]) == (600, -300, 0x2000)
            client.pantilt(-12, 0)  # drive left, then stop
            assert wait_until(lambda: client.get_pantilt_position()[0] < 500)
            client.pantilt(0, 0)
            assert not camera.head.moving
            client.pantilt_home()
            assert wait_until(lambda: client.get_pantilt_position() == (0, 0))
            with pytest.raises(ViscaException) as refused:
                client.recall_preset(40)
            assert refused.value.status_code == 0x41  # command not executable
        finally:
            client.close_connection()


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


# SOAP signed by hand: the simulator is as strict as a camera


def username_token(
    user: str, password: str, created: str | None = None, nonce: bytes | None = None
) -> str:
    nonce = nonce or secrets.token_bytes(16)
    created = created or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    return (
        f'<wsse:Security xmlns:wsse="{NS["wsse"]}" xmlns:wsu="{NS["wsu"]}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{DIGEST}">{digest.decode()}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
    )


def soap(camera: SimulatedCamera, path: str, body: str, header: str = "") -> tuple[int, bytes]:
    document = (
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:tds="{NS["tds"]}" xmlns:tptz="{NS["tptz"]}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()
    request = urllib.request.Request(
        f"http://{camera.onvif_address}{path}",
        data=document,
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def strict_camera():
    with onvif_camera() as camera:
        yield camera


STATUS = "<tptz:GetStatus><tptz:ProfileToken>main_stream</tptz:ProfileToken></tptz:GetStatus>"


def test_only_the_clock_is_read_without_credentials(strict_camera):
    status, reply = soap(strict_camera, "/onvif/device_service", "<tds:GetSystemDateAndTime/>")
    assert status == 200 and b"<tt:UTCDateTime>" in reply
    for path, body in (("/onvif/device_service", "<tds:GetCapabilities/>"), ("/onvif/PTZ", STATUS)):
        status, reply = soap(strict_camera, path, body)
        assert status == 400
        assert b"<s:Value>ter:NotAuthorized</s:Value>" in reply


def test_a_signed_request_is_served_once(strict_camera):
    token = username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD)
    status, reply = soap(strict_camera, "/onvif/PTZ", STATUS, token)
    assert status == 200 and b"<tt:MoveStatus>" in reply
    status, reply = soap(strict_camera, "/onvif/PTZ", STATUS, token)  # replayed
    assert status == 400 and b"already used" in reply


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: username_token(DEMO_ONVIF_USER, "guess"), b"Sender not Authorized"),
        (lambda: username_token("intruder", DEMO_ONVIF_PASSWORD), b"Sender not Authorized"),
        (
            lambda: username_token(
                DEMO_ONVIF_USER,
                DEMO_ONVIF_PASSWORD,
                created=(
                    datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)
                ).strftime("%Y-%m-%dT%H:%M:%SZ"),
            ),
            b"outside the device's window",
        ),
        (
            lambda: username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD).replace(
                "#PasswordDigest", "#PasswordText"
            ),
            b"a password digest is required",
        ),
    ],
    ids=["wrong password", "unknown user", "stale created", "plain text"],
)
def test_bad_credentials_are_refused(strict_camera, token, reason):
    status, reply = soap(strict_camera, "/onvif/PTZ", STATUS, token())
    assert status == 400
    assert b"ter:NotAuthorized" in reply and reason in reply


def test_services_live_where_the_camera_says(strict_camera):
    token = username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD)
    status, reply = soap(strict_camera, "/onvif/ptz_service", STATUS, token)
    assert status == 404  # no assumed path
    status, reply = soap(strict_camera, "/onvif/device_service", STATUS, token)
    assert status == 500 and b"ter:ActionNotSupported" in reply
    wrong_profile = STATUS.replace("main_stream", "sub_stream")
    status, reply = soap(
        strict_camera,
        "/onvif/PTZ",
        wrong_profile,
        username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD),
    )
    assert status == 400 and b"ter:NoPTZProfile" in reply
    status, reply = soap(strict_camera, "/onvif/PTZ", "<not-xml", "")
    assert status == 400


def test_a_bad_move_is_refused_and_changes_nothing(strict_camera):
    before = strict_camera.position
    move = (
        "<tptz:AbsoluteMove><tptz:ProfileToken>main_stream</tptz:ProfileToken><tptz:Position>"
        f'<tt:PanTilt xmlns:tt="{NS["tt"]}" x="3" y="0"/></tptz:Position></tptz:AbsoluteMove>'
    )
    status, reply = soap(
        strict_camera, "/onvif/PTZ", move, username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD)
    )
    assert status == 400 and b"ter:InvalidPosition" in reply
    assert strict_camera.position == before and strict_camera.target == before


def signed(camera: SimulatedCamera, path: str, body: str) -> tuple[int, bytes]:
    return soap(camera, path, body, username_token(DEMO_ONVIF_USER, DEMO_ONVIF_PASSWORD))


def test_remove_preset_snapshot_and_a_continuous_move_that_times_out(strict_camera):
    profile = "<tptz:ProfileToken>main_stream</tptz:ProfileToken>"
    status, reply = signed(
        strict_camera,
        "/onvif/PTZ",
        f"<tptz:SetPreset>{profile}<tptz:PresetName>Pupitre</tptz:PresetName></tptz:SetPreset>",
    )
    assert status == 200
    token = next(p.token for p in strict_camera.named_presets if p.name == "Pupitre")
    assert f"<tptz:PresetToken>{token}</tptz:PresetToken>".encode() in reply
    remove = f"<tptz:PresetToken>{token}</tptz:PresetToken>"
    remove = f"<tptz:RemovePreset>{profile}{remove}</tptz:RemovePreset>"
    assert signed(strict_camera, "/onvif/PTZ", remove)[0] == 200
    assert all(p.name != "Pupitre" for p in strict_camera.named_presets)
    status, reply = signed(strict_camera, "/onvif/PTZ", remove)
    assert status == 400 and b"ter:NoToken" in reply

    snapshot = '<trt:GetSnapshotUri xmlns:trt="http://www.onvif.org/ver10/media/wsdl">'
    snapshot += "<trt:ProfileToken>main_stream</trt:ProfileToken></trt:GetSnapshotUri>"
    status, reply = signed(strict_camera, "/onvif/Media", snapshot)
    assert status == 200 and b"/onvif/snapshot.jpg</tt:Uri>" in reply

    drive = (
        f'<tptz:ContinuousMove>{profile}<tptz:Velocity><tt:Zoom xmlns:tt="{NS["tt"]}" x="0.5"/>'
        "</tptz:Velocity><tptz:Timeout>PT0.4S</tptz:Timeout></tptz:ContinuousMove>"
    )
    before = strict_camera.position.zoom
    assert signed(strict_camera, "/onvif/PTZ", drive)[0] == 200
    assert wait_until(lambda: not strict_camera.head.moving, timeout=5)
    assert 0 < strict_camera.position.zoom - before < 0.5  # stopped by its Timeout
