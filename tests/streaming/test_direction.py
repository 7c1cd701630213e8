"""Automatic direction with the camera simulator: when the chair gives the floor, the
camera that covers the speaker's seat recalls its preset over VISCA, and the programme
cuts to it once it has settled, with the speaker's lower third; when the floor ends, back
to the wide shot. When the camera on air loses its feed, the wide shot stands in for it
(never the lost-feed slate) until the feed returns. Checked on the simulator's reported
position and on the programme's frames."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator

import pytest

from sessions import services as sittings
from sessions.models import SpeakingRequest
from streaming.hls import hls_dir
from streaming.models import Broadcast, Camera, CameraPreset
from streaming.programme.ingest import LOST_SLATE_COLOUR, free_udp_port
from streaming.ptz import Position, driver_for, wait_settled
from streaming.runner import BroadcastRunner
from streaming.services import broadcast_start
from streaming.simulator import SimulatedCamera
from tests import factories as f
from tests.streaming.media import close_to, media, segment_after_now, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SEAT_SHOT = Position(pan=0.4, tilt=-0.2, zoom=0.7)


def mean_colour(out) -> tuple[int, int, int]:
    """The average colour of a programme frame mixed after this call, outside the band of
    the lower third."""
    decoded = subprocess.run(
        [
            *("/usr/bin/ffmpeg", "-v", "error", "-i", "pipe:0", "-vf"),
            *("crop=iw:ih*0.7:0:0,scale=1:1:flags=area", "-f", "rawvideo"),
            *("-pix_fmt", "rgb24", "pipe:1"),
        ],
        input=media(segment_after_now(out)),
        capture_output=True,
        check=True,
    ).stdout
    return decoded[-3], decoded[-2], decoded[-1]


def shows(out, colour: Callable[[tuple[int, int, int]], bool], timeout: float = 60) -> None:
    """The programme's frames come to show `colour`; on a loaded machine a segment may
    take long to come, and a check is waited for, not sampled."""

    def check() -> bool:
        try:
            return colour(mean_colour(out))
        except AssertionError:  # no new segment within its own bound: try again
            return False

    wait_for(check, timeout=timeout, step=0)


def reddish(rgb: tuple[int, int, int]) -> bool:
    return rgb[0] > rgb[2] + 30


def bluish(rgb: tuple[int, int, int]) -> bool:
    return rgb[2] > rgb[0] + 30


@pytest.fixture
def simulators() -> Iterator[list[SimulatedCamera]]:
    cameras = [
        SimulatedCamera(
            "Plan large", "0xB03030", visca_port=free_udp_port(), feed_port=free_udp_port()
        ),
        SimulatedCamera(
            "Rang A", "0x3050B0", visca_port=free_udp_port(), feed_port=free_udp_port()
        ),
    ]
    for camera in cameras:
        camera.start()
    yield cameras
    for camera in cameras:
        camera.stop()


@pytest.fixture
def chamber(broadcast_settings, simulators):
    """A sitting in session in a room with the two simulated cameras, its broadcast run
    by a runner in a thread; the speaker's seat is preset 3 of the second camera."""
    wide, row_a = simulators
    # The technician stored the seat's shot as preset 3 of the second camera.
    driver = driver_for("visca", row_a.control_address)
    driver.move_to(SEAT_SHOT)
    wait_settled(driver)
    driver.store(3)
    driver.recall(0)
    wait_settled(driver)

    assembly = f.assembly(members=7, population=1_000)
    sitting = f.in_session(assembly, present=7)
    for n, sim in enumerate(simulators, start=1):
        camera = Camera.objects.create(
            room=sitting.place,
            name=sim.name,
            protocol=Camera.Protocol.VISCA,
            control_address=sim.control_address,
            feed_url=sim.feed_url,
            position=n,
        )
    CameraPreset.objects.create(camera=camera, slot=3, label="Place 12", seat="12")
    speaker = f.councillors(assembly)[2]
    speaker.seat = "12"
    speaker.save()

    broadcast = broadcast_start(sitting=sitting, user=None)
    runner = BroadcastRunner(broadcast.pk, worker="direction-test")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: (hls_dir(sitting.pk) / "master.m3u8").exists(), timeout=30)
        yield sitting, broadcast, speaker, driver
    finally:
        Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        thread.join(20)
        driver.close()


def give_floor(sitting, broadcast, speaker) -> None:
    sittings.hand_raise(sitting=sitting, member=speaker)
    request = SpeakingRequest.objects.get(member=speaker, state="waiting")
    sittings.floor_give(sitting=sitting, request_id=request.pk, user=None)
    wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).programme["cut"] == 1, timeout=15)


def test_the_camera_follows_the_speaker(chamber) -> None:
    sitting, broadcast, speaker, driver = chamber
    out = hls_dir(sitting.pk)
    shows(out, reddish)  # the wide shot

    give_floor(sitting, broadcast, speaker)
    # The camera had settled on the seat before the cut.
    position = driver.position()
    assert abs(position.pan - SEAT_SHOT.pan) < 0.02
    assert abs(position.zoom - SEAT_SHOT.zoom) < 0.02
    programme = Broadcast.objects.get(pk=broadcast.pk).programme
    assert programme["lower_third"]["name"] == speaker.full_name
    assert programme["lower_third"]["role"] == "Conseiller"
    shows(out, bluish)

    sittings.floor_end(sitting=sitting, user=None)
    wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).programme["cut"] == 0, 5)
    shows(out, reddish)
    assert Broadcast.objects.get(pk=broadcast.pk).programme["lower_third"] is None


def test_a_camera_on_air_that_loses_its_feed_gives_way_to_the_wide_shot(
    chamber, simulators
) -> None:
    sitting, broadcast, speaker, _driver = chamber
    out, row_a = hls_dir(sitting.pk), simulators[1]
    give_floor(sitting, broadcast, speaker)
    shows(out, bluish)

    def stand_in() -> object:
        return Broadcast.objects.get(pk=broadcast.pk).health.get("stand_in")

    # The speaker's camera loses its feed: the wide shot, never the lost-feed slate.
    row_a.pause_feed()
    wait_for(lambda: stand_in() == {"for": 1, "camera": 0}, timeout=15)
    # The wide shot's own feed may falter on a loaded machine: then nothing live is left
    # and the slate is all there is; the wide shot is what the programme comes to show.
    shows(out, lambda colour: reddish(colour) and not close_to(colour, LOST_SLATE_COLOUR))
    programme = Broadcast.objects.get(pk=broadcast.pk).programme
    assert programme["cut"] == 1 and programme["lower_third"]["name"] == speaker.full_name

    # Its feed returns while the speaker still has the floor: back to the speaker.
    row_a.resume_feed()
    wait_for(lambda: stand_in() is None, timeout=40)
    shows(out, bluish)

    # Lost again, and the floor ends meanwhile: the feed's return changes nothing.
    row_a.pause_feed()
    wait_for(lambda: stand_in() == {"for": 1, "camera": 0}, timeout=15)
    sittings.floor_end(sitting=sitting, user=None)
    wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).programme["cut"] == 0, 5)
    row_a.resume_feed()

    def back_for_good() -> bool:
        health = Broadcast.objects.get(pk=broadcast.pk).health
        return health["inputs"][1]["state"] == "live" and health["inputs"][1]["since"] > 3

    wait_for(back_for_good, timeout=40)
    assert stand_in() is None
    shows(out, reddish)
