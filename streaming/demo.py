"""The demo's cameras: the three simulated PTZ cameras that bin/demo starts
(`python -m streaming.simulator --count 3`), registered in the chamber of the demo
commune, with a preset per seat so that the direction can follow the speaker."""

from __future__ import annotations

import os

from council.models import Member, Room

from .models import Camera, CameraPreset

NAMES = ("Plan large", "Présidence et rang A", "Hémicycle")
SEATS_PER_CAMERA = 15  # presets 1..15 of cameras 2 and 3 frame seats; preset 0 is wide


def base_port() -> int:
    return int(os.environ.get("SEANCE_DEMO_CAMERA_PORT", "9100"))


def seed_cameras(room: Room, members: list[Member]) -> list[Camera]:
    """Ports as the simulator opens them: base + 10 i + 1 (VISCA), + 3 (SRT feed)."""
    cameras = []
    for i, name in enumerate(NAMES):
        port = base_port() + 10 * i
        camera = Camera.objects.create(
            room=room,
            name=name,
            protocol=Camera.Protocol.VISCA,
            control_address=f"127.0.0.1:{port + 1}",
            feed_url=f"srt://127.0.0.1:{port + 3}",
            position=i + 1,
        )
        CameraPreset.objects.create(camera=camera, slot=0, label="Plan large")
        cameras.append(camera)
    seat = 0
    for camera in cameras[1:]:
        for slot in range(1, SEATS_PER_CAMERA + 1):
            seat += 1
            CameraPreset.objects.create(
                camera=camera, slot=slot, label=f"Place {seat}", seat=str(seat)
            )
    for number, member in enumerate(members, start=1):
        member.seat = str(number)
        member.save(update_fields=["seat"])
    return cameras
