"""The PTZ drivers against the simulated camera, over real sockets."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from streaming.ports import free_port
from streaming.ptz import (
    NoDriver,
    OnvifDriver,
    Position,
    PtzError,
    ViscaDriver,
    driver_for,
    visca,
    wait_settled,
)
from streaming.simulator import SimulatedCamera

VISCA_STEP = 1 / visca.TILT_MAX  # the coarsest of the protocol's quantisations


@pytest.fixture(scope="module")
def camera():
    with SimulatedCamera(
        "PTZ test",
        "0x3050B0",
        visca_port=free_port(socket.SOCK_DGRAM),
        onvif_port=free_port(),
        feed_port=free_port(socket.SOCK_DGRAM),
        speed=5.0,
    ) as camera:
        yield camera


@pytest.fixture
def visca_driver(camera):
    driver = ViscaDriver(camera.control_address, timeout=1.0)
    yield driver
    driver.close()


def test_visca_absolute_move_reaches_its_target(visca_driver):
    target = Position(pan=0.37, tilt=-0.42, zoom=0.55)
    visca_driver.move_to(target)
    assert wait_settled(visca_driver).close_to(target, tolerance=VISCA_STEP)


def test_visca_recall_returns_to_a_stored_preset(camera, visca_driver):
    stored = Position(pan=-0.5, tilt=0.25, zoom=0.3)
    visca_driver.move_to(stored)
    wait_settled(visca_driver)
    visca_driver.store(7)
    visca_driver.move_to(Position(0.8, 0.8, 1.0))
    wait_settled(visca_driver)

    visca_driver.recall(7)

    assert wait_settled(visca_driver).close_to(stored, tolerance=VISCA_STEP)
    assert camera.presets[7].close_to(stored, tolerance=VISCA_STEP)


def test_visca_camera_refuses_a_preset_it_does_not_have(visca_driver):
    with pytest.raises(PtzError, match="refused recall preset 20: command not executable"):
        visca_driver.recall(20)
    with pytest.raises(PtzError, match="out of range"):
        visca_driver.recall(200)


def test_visca_dead_port_is_unreachable():
    with pytest.raises(PtzError, match="unreachable|no answer"):
        ViscaDriver(f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}", timeout=0.5)


def test_malformed_datagrams_get_a_visca_error_and_do_not_stop_the_camera(camera, visca_driver):
    host, port = camera.control_address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        raw.settimeout(1.0)
        for garbage in (
            b"\x01",
            b"\x01\x00\x00\x09\x00\x00\x00\x01\x81\xff",
            visca.frame(visca.COMMAND, 5, b"\x81\x01\x99\xff"),
        ):
            raw.sendto(garbage, (host, int(port)))
            _, _, payload = visca.unframe(raw.recvfrom(1024)[0])
            assert payload[:2] == b"\x90\x60"  # syntax error
    visca_driver.move_to(Position(0.1, 0.1, 0.1))
    assert wait_settled(visca_driver).close_to(Position(0.1, 0.1, 0.1), tolerance=VISCA_STEP)


def test_wait_settled_gives_up_while_the_camera_still_moves(camera, visca_driver):
    visca_driver.move_to(Position(-1, -1, 0))
    wait_settled(visca_driver)
    visca_driver.move_to(Position(1, 1, 1))
    with pytest.raises(PtzError, match="did not settle"):
        wait_settled(visca_driver, timeout=0.15, interval=0.05)


def test_onvif_goto_preset_and_status(camera):
    driver = driver_for("onvif", camera.onvif_address)
    driver.move_to(Position(0.9, 0.9, 0.9))
    driver.recall(3)

    assert driver.moving()
    assert wait_settled(driver).close_to(camera.presets[3], tolerance=1e-5)
    assert not driver.moving()


def test_onvif_set_preset_then_recall(camera):
    driver = OnvifDriver(camera.onvif_address)
    driver.move_to(Position(-0.2, 0.6, 0.4))
    wait_settled(driver)
    driver.store(12)
    driver.recall(0)
    wait_settled(driver)

    driver.recall(12)

    assert wait_settled(driver).close_to(Position(-0.2, 0.6, 0.4), tolerance=1e-5)


def test_onvif_faults_become_ptz_errors(camera):
    with pytest.raises(PtzError, match="refused GotoPreset: no such preset '99'"):
        OnvifDriver(camera.onvif_address).recall(99)
    with pytest.raises(PtzError, match="unreachable"):
        OnvifDriver(f"127.0.0.1:{free_port()}", timeout=0.5).position()


@pytest.mark.parametrize(
    ("document", "status"),
    [
        (b"<not xml", 400),
        (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
            400,
        ),
    ],
)
def test_bad_soap_gets_a_soap_fault(camera, document, status):
    request = urllib.request.Request(
        f"http://{camera.onvif_address}/onvif/ptz_service", data=document
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=2)
    assert raised.value.code == status
    assert b"<s:Fault>" in raised.value.read()


def test_fixed_camera_refuses_to_move():
    driver = driver_for("none", "")
    assert isinstance(driver, NoDriver)
    assert driver.position() == Position(0, 0, 0)
    with pytest.raises(PtzError, match="fixed camera"):
        driver.recall(1)
    with pytest.raises(PtzError, match="unknown PTZ protocol"):
        driver_for("pelco", "127.0.0.1:1")
