"""Automatic direction with the camera simulator: when the chair gives the floor, the
camera that covers the speaker's seat recalls its preset over VISCA, and the programme
cuts to it once it has settled, with the speaker's lower third; when the floor ends, back
to the wide shot. Checked on the simulator's reported position and on the programme's
frames."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from sessions import services as sittings
from sessions.models import SpeakingRequest
from streaming.hls import hls_dir
from streaming.models import Broadcast, Camera, CameraPreset
from streaming.programme.ingest import free_udp_port
from streaming.ptz import Position, driver_for, wait_settled
from streaming.runner import BroadcastRunner
from streaming.services import broadcast_start
from streaming.simulator import SimulatedCamera
from tests import factories as f
from tests.streaming.test_programme import media, segment_after_now, wait_for

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


def test_the_camera_follows_the_speaker(settings, tmp_path, simulators) -> None:
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    settings.SEANCE_BROADCAST_LADDER = "small"
    settings.SEANCE_BROADCAST_PRESET = "ultrafast"
    settings.SEANCE_BROADCAST_QUEUE = f"test-unconsumed-{tmp_path.name}"
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
    out = hls_dir(sitting.pk)
    try:
        wait_for(lambda: (out / "master.m3u8").exists(), timeout=30)
        assert reddish(mean_colour(out))  # the wide shot

        sittings.hand_raise(sitting=sitting, member=speaker)
        request = SpeakingRequest.objects.get(member=speaker)
        sittings.floor_give(sitting=sitting, request_id=request.pk, user=None)

        def cut_to_speaker() -> bool:
            return Broadcast.objects.get(pk=broadcast.pk).programme["cut"] == 1

        wait_for(cut_to_speaker, timeout=15)
        # The camera had settled on the seat before the cut.
        position = driver.position()
        assert abs(position.pan - SEAT_SHOT.pan) < 0.02
        assert abs(position.zoom - SEAT_SHOT.zoom) < 0.02
        programme = Broadcast.objects.get(pk=broadcast.pk).programme
        assert programme["lower_third"]["name"] == speaker.full_name
        assert programme["lower_third"]["role"] == "Conseiller"
        time.sleep(0.7)
        assert bluish(mean_colour(out))

        sittings.floor_end(sitting=sitting, user=None)
        wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).programme["cut"] == 0, 5)
        time.sleep(0.7)
        assert reddish(mean_colour(out))
        assert Broadcast.objects.get(pk=broadcast.pk).programme["lower_third"] is None
    finally:
        Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        thread.join(20)
        driver.close()
