"""The project's PTZ drivers against the strict simulated camera, over real sockets:
VISCA over IP waits for each move's Completion (seconds, at a real head's speed), and
ONVIF signs its calls with WS-Security and finds services, profile and preset tokens."""

from __future__ import annotations

import socket
import threading
import time

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
from streaming.simulator.camera import DEMO_ONVIF_PASSWORD, DEMO_ONVIF_USER
from streaming.simulator.state import PAN_RATE, TILT_RATE, ZOOM_RATE

VISCA_STEP = 1 / visca.TILT_MAX  # the coarsest of the protocol's quantisations


def new_camera(**options) -> SimulatedCamera:
    return SimulatedCamera(
        "PTZ test",
        "0x3050B0",
        visca_port=free_port(socket.SOCK_DGRAM),
        onvif_port=free_port(),
        feed_port=free_port(socket.SOCK_DGRAM),
        **options,
    )


@pytest.fixture(scope="module")
def camera():
    with new_camera() as camera:
        yield camera


@pytest.fixture
def visca_driver(camera):
    driver = ViscaDriver(camera.control_address, timeout=1.0)
    yield driver
    driver.close()


@pytest.fixture
def onvif_driver(camera):
    driver = OnvifDriver(
        camera.onvif_address,
        username=DEMO_ONVIF_USER,
        password=DEMO_ONVIF_PASSWORD,
        preset_names={0: "Plan large", 3: "Place 3", 12: "Place 12", 40: "Tribune presse"},
    )
    yield driver
    driver.close()


def travel_time(a: Position, b: Position) -> tuple[float, float]:
    """(pan-tilt, zoom) seconds of a move at the simulated head's top speeds."""
    return max(abs(a.pan - b.pan) / PAN_RATE, abs(a.tilt - b.tilt) / TILT_RATE), abs(
        a.zoom - b.zoom
    ) / ZOOM_RATE


# VISCA over IP


def test_visca_move_returns_once_the_head_has_arrived(camera, visca_driver):
    visca_driver.move_to(Position(0, 0, 0))
    target = Position(pan=0.37, tilt=-0.42, zoom=0.55)
    pan_tilt, zoom = travel_time(camera.position, target)
    started = time.monotonic()

    visca_driver.move_to(target)

    assert time.monotonic() - started >= 0.9 * (pan_tilt + zoom)  # Completion waited for
    assert not camera.head.moving
    assert visca_driver.position().close_to(target, tolerance=VISCA_STEP)


def test_visca_zoom_starts_after_the_pan_tilt_has_completed(camera, visca_driver):
    visca_driver.move_to(Position(0, 0, 0))
    samples: list[Position] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(camera.position)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        visca_driver.move_to(Position(0.6, 0.3, 0.8))  # 1 s of pan, then 2 s of zoom
    finally:
        done.set()
        sampler.join()

    zooming = [p for p in samples if 0 < p.zoom < 0.8]
    assert zooming, "the zoom was never seen moving"
    assert all(abs(p.pan - 0.6) <= VISCA_STEP for p in zooming)  # pan done before zoom
    assert camera.position.close_to(Position(0.6, 0.3, 0.8), tolerance=VISCA_STEP)


def test_visca_recall_returns_to_a_stored_preset(camera, visca_driver):
    stored = Position(pan=-0.5, tilt=0.25, zoom=0.3)
    visca_driver.move_to(stored)
    visca_driver.store(7)
    visca_driver.move_to(Position(0.1, 0.2, 0.4))

    visca_driver.recall(7)

    assert not camera.head.moving
    assert visca_driver.position().close_to(stored, tolerance=VISCA_STEP)
    assert camera.presets[7].close_to(stored, tolerance=VISCA_STEP)


def test_visca_camera_refuses_a_preset_it_does_not_have(visca_driver):
    with pytest.raises(PtzError, match="refused recall preset 20: command not executable"):
        visca_driver.recall(20)
    with pytest.raises(PtzError, match="out of range"):
        visca_driver.recall(200)


def test_visca_a_move_longer_than_its_bound_is_an_error(camera, visca_driver):
    visca_driver.move_to(Position(0, 0, 0))
    hasty = ViscaDriver(camera.control_address, move_timeout=0.3)
    try:
        with pytest.raises(PtzError, match="absolute pan-tilt did not complete within 0.3 s"):
            hasty.move_to(Position(-1, 0.5, 0))
    finally:
        hasty.close()


def test_visca_a_late_completion_is_not_taken_for_the_next_reply(camera):
    driver = ViscaDriver(camera.control_address, move_timeout=10)
    driver.move_to(Position(0, 0, 0))
    driver.move_timeout = 0.2
    with pytest.raises(PtzError, match="did not complete"):
        driver.move_to(Position(1, 0, 0))  # 1.7 s of pan; its Completion comes late
    driver.move_timeout = 10
    skipped = driver.skipped
    deadline = time.monotonic() + 10
    while driver.skipped == skipped and time.monotonic() < deadline:
        position = driver.position()  # inquiries answered 90 50 ..., as the completion
        assert position.zoom == 0 and position.tilt == 0
    assert driver.skipped > skipped  # the late 90 51 FF was read and set aside
    driver.store(5)  # the camera and the driver still agree
    assert camera.presets[5].close_to(Position(1, 0, 0), tolerance=VISCA_STEP)
    driver.close()


def test_visca_drive_then_stop(camera, visca_driver):
    visca_driver.move_to(Position(0, 0, 0))
    visca_driver.drive(pan=0.5, tilt=-0.5, zoom=0.5)
    time.sleep(0.3)
    assert camera.head.moving
    visca_driver.stop()
    assert not camera.head.moving
    stopped = visca_driver.position()
    assert stopped.pan > 0 and stopped.tilt < 0 and stopped.zoom > 0


def test_visca_dead_port_is_unreachable():
    with pytest.raises(PtzError, match="unreachable|no answer"):
        ViscaDriver(f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}", timeout=0.5)


def test_visca_inquiries_under_both_payload_types(camera, visca_driver):
    visca_driver.move_to(Position(0.25, -0.125, 0.5))
    as_command = ViscaDriver(camera.control_address, inquiry_type=visca.COMMAND)
    try:
        assert as_command.position() == visca_driver.position()
    finally:
        as_command.close()


class Raw:
    """A bare VISCA over IP controller, for what the driver never sends."""

    def __init__(self, camera: SimulatedCamera):
        host, port = camera.control_address.split(":")
        self.peer = (host, int(port))
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.settimeout(3.0)

    def send(self, datagram: bytes) -> None:
        self.socket.sendto(datagram, self.peer)

    def reply(self) -> tuple[int, int, bytes]:
        return visca.unframe(self.socket.recvfrom(1024)[0])

    def ask(self, kind: int, sequence: int, payload: bytes) -> tuple[int, int, bytes]:
        self.send(visca.frame(kind, sequence, payload))
        return self.reply()


@pytest.fixture
def raw(camera, visca_driver):
    visca_driver.move_to(Position(0, 0, 0))
    controller = Raw(camera)
    assert controller.ask(visca.CONTROL, 0, b"\x01") == (visca.CONTROL_REPLY, 0, b"\x01")
    yield controller
    controller.socket.close()


def test_visca_replies_as_a_sony_head(raw):
    assert raw.ask(visca.COMMAND, 1, visca.IF_CLEAR) == (visca.REPLY, 1, bytes.fromhex("9050FF"))
    # Memory set: ACK then Completion at once, on socket 1.
    raw.send(visca.frame(visca.COMMAND, 2, visca.memory_set(4)))
    assert [raw.reply(), raw.reply()] == [
        (visca.REPLY, 2, bytes.fromhex("9041FF")),
        (visca.REPLY, 2, bytes.fromhex("9051FF")),
    ]
    power = raw.ask(visca.INQUIRY, 3, visca.INQ_POWER)
    assert power == (visca.REPLY, 3, bytes.fromhex("905002FF"))


def test_visca_rejects_what_a_sony_head_rejects(raw):
    assert raw.ask(visca.COMMAND, 1, bytes.fromhex("81019999FF"))[2] == bytes.fromhex("906002FF")
    assert raw.ask(visca.INQUIRY, 2, bytes.fromhex("81090999FF"))[2] == bytes.fromhex("906002FF")
    assert raw.ask(visca.COMMAND, 3, bytes.fromhex("8101063F9F9FFF"))[2][:2] == b"\x90\x60"
    # The same sequence number again: abnormal sequence number, not performed.
    assert raw.ask(visca.COMMAND, 3, visca.memory_set(4)) == (visca.CONTROL, 3, b"\x0f\x01")
    assert raw.ask(visca.COMMAND, 2, visca.memory_set(4)) == (visca.CONTROL, 2, b"\x0f\x01")
    # A payload type that does not exist, a payload length that lies.
    assert raw.ask(0x0300, 4, visca.IF_CLEAR) == (visca.CONTROL, 4, b"\x0f\x02")
    raw.send(b"\x01\x00\x00\x09\x00\x00\x00\x05\x81\xff")
    assert raw.reply() == (visca.REPLY, 5, bytes.fromhex("906001FF"))
    raw.send(b"\x01")
    assert raw.reply() == (visca.CONTROL, 0, b"\x0f\x02")


def test_visca_two_sockets_then_buffer_full(camera, raw):
    raw.send(visca.frame(visca.COMMAND, 1, visca.absolute_pan_tilt(0x0900, 0x0400)))
    raw.send(visca.frame(visca.COMMAND, 2, visca.zoom_direct(0x3000)))
    raw.send(visca.frame(visca.COMMAND, 3, visca.memory_recall(2)))
    replies = [raw.reply() for _ in range(3)]
    assert replies == [
        (visca.REPLY, 1, bytes.fromhex("9041FF")),
        (visca.REPLY, 2, bytes.fromhex("9042FF")),
        (visca.REPLY, 3, bytes.fromhex("906003FF")),  # both sockets busy
    ]
    assert camera.head.moving
    # Each Completion comes when its own move ends, with its sequence and socket.
    completions = sorted([raw.reply(), raw.reply()])
    assert completions == [
        (visca.REPLY, 1, bytes.fromhex("9051FF")),
        (visca.REPLY, 2, bytes.fromhex("9052FF")),
    ]
    assert not camera.head.moving


def test_visca_drive_home_and_cancel(camera, raw):
    # Drive right and up: completed at once, the head keeps moving until stopped.
    drive = bytes.fromhex("8101060118140201FF")
    raw.send(visca.frame(visca.COMMAND, 1, drive))
    assert [raw.reply()[2], raw.reply()[2]] == [bytes.fromhex("9041FF"), bytes.fromhex("9051FF")]
    time.sleep(0.3)
    moved = camera.position
    assert moved.pan > 0 and moved.tilt > 0 and camera.head.moving
    stop = bytes.fromhex("8101060100000303FF")
    raw.send(visca.frame(visca.COMMAND, 2, stop))
    assert [raw.reply()[2], raw.reply()[2]] == [bytes.fromhex("9041FF"), bytes.fromhex("9051FF")]
    assert not camera.head.moving
    # Home: completed when back at the centre; a cancel ends a move in flight.
    raw.send(visca.frame(visca.COMMAND, 3, bytes.fromhex("81010604FF")))
    assert raw.reply()[2] == bytes.fromhex("9041FF")
    assert raw.reply() == (visca.REPLY, 3, bytes.fromhex("9051FF"))
    assert camera.position.pan == 0 and camera.position.tilt == 0
    raw.send(visca.frame(visca.COMMAND, 4, visca.zoom_direct(0x4000)))
    assert raw.reply()[2] == bytes.fromhex("9041FF")
    assert raw.ask(visca.COMMAND, 5, bytes.fromhex("8121FF"))[2] == bytes.fromhex("906104FF")
    assert not camera.head.moving and 0 < camera.position.zoom < 1


# ONVIF


def test_onvif_recalls_a_preset_by_its_name_through_its_token(camera, onvif_driver):
    onvif_driver.move_to(Position(0.9, 0.9, 0.9))
    wait_settled(onvif_driver)
    place_3 = next(p for p in camera.named_presets if p.name == "Place 3")
    assert place_3.token != "3"

    onvif_driver.recall(3)

    assert onvif_driver.moving()
    assert wait_settled(onvif_driver).close_to(place_3.position, tolerance=1e-5)
    assert not onvif_driver.moving()
    assert onvif_driver.profile == "main_stream"  # the profile with PTZ, not the first


def test_onvif_store_names_a_new_preset_then_overwrites_it(camera, onvif_driver):
    onvif_driver.move_to(Position(-0.2, 0.6, 0.4))
    wait_settled(onvif_driver)
    onvif_driver.store(40)  # "Tribune presse": not on the camera yet
    made = [p for p in camera.named_presets if p.name == "Tribune presse"]
    assert len(made) == 1 and made[0].position.close_to(Position(-0.2, 0.6, 0.4), 1e-5)
    onvif_driver.move_to(Position(0.3, -0.1, 0.2))
    wait_settled(onvif_driver)
    onvif_driver.store(40)
    again = [p for p in camera.named_presets if p.name == "Tribune presse"]
    assert [p.token for p in again] == [made[0].token]
    onvif_driver.recall(0)
    wait_settled(onvif_driver)

    onvif_driver.recall(40)

    assert wait_settled(onvif_driver).close_to(Position(0.3, -0.1, 0.2), tolerance=1e-5)


def test_onvif_presets_unknown_to_the_camera_or_the_registry(onvif_driver):
    renamed = OnvifDriver(
        onvif_driver.address,
        username=DEMO_ONVIF_USER,
        password=DEMO_ONVIF_PASSWORD,
        preset_names={12: "Place 12 bis"},
    )
    try:
        with pytest.raises(PtzError, match="has no preset named 'Place 12 bis'"):
            renamed.recall(12)
    finally:
        renamed.close()
    with pytest.raises(PtzError, match="preset 7 has no name in the registry"):
        onvif_driver.recall(7)


def test_onvif_wrong_password_is_refused_clearly(camera):
    driver = OnvifDriver(
        camera.onvif_address, username=DEMO_ONVIF_USER, password="not-the-password"
    )
    with pytest.raises(PtzError, match="not authorised .check the camera's user name") as raised:
        driver.position()
    assert "not-the-password" not in str(raised.value) + repr(driver)
    anonymous = OnvifDriver(camera.onvif_address)
    with pytest.raises(PtzError, match="not authorised"):
        anonymous.position()  # no credentials at all
    driver.close()
    anonymous.close()


def test_onvif_feed_drive_and_stop(camera, onvif_driver):
    assert onvif_driver.stream_uri() == camera.feed_url
    onvif_driver.move_to(Position(0, 0, 0))
    wait_settled(onvif_driver)
    onvif_driver.drive(pan=0.5, tilt=-0.5, zoom=0.5)
    time.sleep(0.3)
    assert onvif_driver.moving()
    onvif_driver.stop()
    stopped = onvif_driver.position()
    assert not onvif_driver.moving()
    assert stopped.pan > 0 and stopped.tilt < 0 and stopped.zoom > 0
    with pytest.raises(PtzError, match="did not settle"):
        onvif_driver.move_to(Position(-1, -1, 1))
        wait_settled(onvif_driver, timeout=0.15, interval=0.05)


def test_onvif_an_older_camera_without_get_services_and_a_wrong_clock():
    """GetCapabilities finds the services; the camera's clock, an hour off, is read
    first so the digest's Created time is within its window."""
    with new_camera(onvif_services=False, clock_offset=3600) as camera:
        driver = OnvifDriver(
            camera.onvif_address,
            username=DEMO_ONVIF_USER,
            password=DEMO_ONVIF_PASSWORD,
            preset_names={5: "Place 5"},
        )
        try:
            driver.recall(5)
            assert wait_settled(driver).close_to(camera.presets[5], tolerance=1e-5)
        finally:
            driver.close()


def test_onvif_dead_port_is_unreachable():
    with pytest.raises(PtzError, match="unreachable|no answer"):
        OnvifDriver(f"127.0.0.1:{free_port()}", timeout=0.5, connect_timeout=3).position()


def test_fixed_camera_refuses_to_move():
    driver = driver_for("none", "")
    assert isinstance(driver, NoDriver)
    assert driver.position() == Position(0, 0, 0)
    with pytest.raises(PtzError, match="fixed camera"):
        driver.recall(1)
    with pytest.raises(PtzError, match="unknown PTZ protocol"):
        driver_for("pelco", "127.0.0.1:1")


# The registry: credentials per camera, never shown back


@pytest.fixture
def registered(db, camera):
    from streaming.models import Camera, CameraPreset
    from tests import factories as f

    room = f.assembly(members=3).rooms.first()
    registered = Camera.objects.create(
        room=room,
        name="Tribune",
        protocol=Camera.Protocol.ONVIF,
        control_address=camera.onvif_address,
        feed_url=camera.feed_url,
        username=DEMO_ONVIF_USER,
        password=DEMO_ONVIF_PASSWORD,
    )
    CameraPreset.objects.create(camera=registered, slot=8, label="Place 8", seat="8")
    return registered


def test_camera_driver_uses_the_registrys_account_and_labels(camera, registered):
    from streaming.ptz import camera_driver

    driver = camera_driver(registered)
    try:
        driver.recall(8)
        assert wait_settled(driver).close_to(camera.presets[8], tolerance=1e-5)
    finally:
        driver.close()
    assert DEMO_ONVIF_PASSWORD not in repr(registered) + str(registered) + repr(driver)


def test_the_broadcast_runner_recalls_with_the_registrys_account(camera, registered):
    """The runner of a broadcast drives an ONVIF camera with its account and preset names."""
    from streaming.runner import BroadcastRunner

    runner = BroadcastRunner(broadcast_id=0, worker="test")
    runner.cameras = [registered]
    driver = runner._driver(0)
    try:
        driver.recall(8)
        assert wait_settled(driver).close_to(camera.presets[8], tolerance=1e-5)
    finally:
        driver.close()


def test_the_admin_never_shows_the_camera_password(client, registered):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.fr", "pw")
    client.force_login(admin)
    url = f"/admin/streaming/camera/{registered.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert DEMO_ONVIF_PASSWORD not in page.content.decode()
    assert 'name="password"' in page.content.decode()
    form = {
        "room": registered.room_id,
        "name": registered.name,
        "position": 1,
        "feed_url": registered.feed_url,
        "protocol": "onvif",
        "control_address": registered.control_address,
        "username": "technicien",
        "password": "",
        "presets-TOTAL_FORMS": 0,
        "presets-INITIAL_FORMS": 0,
    }
    assert client.post(url, form).status_code == 302  # empty: the password is kept
    registered.refresh_from_db()
    assert (registered.username, registered.password) == ("technicien", DEMO_ONVIF_PASSWORD)
    assert client.post(url, form | {"password": "n0uveau"}).status_code == 302
    registered.refresh_from_db()
    assert registered.password == "n0uveau"
    assert "n0uveau" not in client.get(url).content.decode()
    assert client.post(url, form | {"clear_password": "on"}).status_code == 302
    registered.refresh_from_db()
    assert registered.password == ""
    listing = client.get("/admin/streaming/camera/").content.decode()
    assert "n0uveau" not in listing and DEMO_ONVIF_PASSWORD not in listing


def test_the_admin_reads_an_onvif_cameras_feed_url(client, camera, registered):
    from django.contrib.auth import get_user_model

    from streaming.models import Camera

    client.force_login(get_user_model().objects.create_superuser("root", "r@example.fr", "pw"))
    Camera.objects.filter(pk=registered.pk).update(feed_url="rtsp://192.0.2.1/old")
    Camera.objects.create(
        room=registered.room,
        name="Mauvais compte",
        protocol=Camera.Protocol.ONVIF,
        control_address=camera.onvif_address,
        feed_url="rtsp://192.0.2.2/kept",
        username=DEMO_ONVIF_USER,
        password="wrong",
    )
    action = {
        "action": "read_feed_from_camera",
        "_selected_action": [c.pk for c in Camera.objects.all()],
    }

    page = client.post("/admin/streaming/camera/", action, follow=True).content.decode()

    assert Camera.objects.get(pk=registered.pk).feed_url == camera.feed_url
    assert Camera.objects.get(name="Mauvais compte").feed_url == "rtsp://192.0.2.2/kept"
    assert "not authorised" in page and "wrong" not in page.replace("Mauvais", "")
