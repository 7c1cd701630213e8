"""Drivers for the PTZ (pan, tilt, zoom) heads of the chamber cameras.

Positions are normalised, whatever the protocol: pan and tilt in [-1, 1] (0 is the
centre; pan +1 is right, tilt +1 is up), zoom in [0, 1] (0 is the widest shot). Each
driver converts to its protocol's units. A fixed camera gets a `NoDriver`, which
refuses to move and always reports the centre, so callers need no special case.

A VISCA recall or move returns once the head reports it done (its Completion); an
ONVIF one as soon as the camera has taken it, so callers that need the camera still
follow with `wait_settled`, which costs nothing after a VISCA move. A registered
camera's driver is `camera_driver(camera)`: it carries the camera's account and the
names of its presets, which ONVIF needs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings

from streaming.ptz.base import Position, PtzDriver, PtzError
from streaming.ptz.onvif import OnvifDriver
from streaming.ptz.visca import ViscaDriver

if TYPE_CHECKING:
    from streaming.models import Camera

__all__ = [
    "NoDriver",
    "OnvifDriver",
    "Position",
    "PtzDriver",
    "PtzError",
    "ViscaDriver",
    "camera_driver",
    "driver_for",
    "wait_settled",
]

CENTRE = Position(0.0, 0.0, 0.0)


class NoDriver:
    """A fixed camera: it cannot move or keep presets; it always looks at the centre."""

    def recall(self, slot: int) -> None:
        raise PtzError("fixed camera: it has no presets to recall")

    def store(self, slot: int) -> None:
        raise PtzError("fixed camera: it cannot store a preset")

    def move_to(self, position: Position) -> None:
        raise PtzError("fixed camera: it cannot move")

    def drive(self, pan: float = 0.0, tilt: float = 0.0, zoom: float = 0.0) -> None:
        raise PtzError("fixed camera: it cannot move")

    def stop(self) -> None:
        pass

    def position(self) -> Position:
        return CENTRE

    def moving(self) -> bool:
        return False

    def close(self) -> None:
        pass


def driver_for(
    protocol: str,
    address: str,
    timeout: float = 2.0,
    *,
    username: str = "",
    password: str = "",
    preset_names: dict[int, str] | None = None,
    move_timeout: float | None = None,
) -> PtzDriver:
    """The driver for a camera's control `protocol` ("visca", "onvif" or "none").
    ONVIF takes the camera's account and the names of its presets (by slot); VISCA
    waits up to `move_timeout` (SEANCE_PTZ_MOVE_TIMEOUT, 20 s) for a move to end."""
    if protocol == "visca":
        limit = move_timeout or float(getattr(settings, "SEANCE_PTZ_MOVE_TIMEOUT", 20.0))
        return ViscaDriver(address, timeout=timeout, move_timeout=limit)
    if protocol == "onvif":
        return OnvifDriver(
            address,
            timeout=max(timeout, 5.0),
            username=username,
            password=password,
            preset_names=preset_names,
        )
    if protocol in ("none", ""):
        return NoDriver()
    raise PtzError(f"unknown PTZ protocol {protocol!r} (expected visca, onvif or none)")


def camera_driver(camera: Camera, timeout: float = 2.0) -> PtzDriver:
    """The driver of a registered camera: its protocol, address, account, and its
    presets' labels as the names of the camera's own presets (ONVIF)."""
    return driver_for(
        camera.protocol,
        camera.control_address,
        timeout,
        username=camera.username,
        password=camera.password,
        preset_names={preset.slot: preset.label for preset in camera.presets.all()},
    )


def wait_settled(driver: PtzDriver, timeout: float = 8.0, interval: float = 0.1) -> Position:
    """Poll the camera until it has stopped: two successive equal positions, and the
    camera itself says it is not moving when its protocol can tell (ONVIF MoveStatus)."""
    deadline = time.monotonic() + timeout
    previous = driver.position()
    while time.monotonic() < deadline:
        time.sleep(interval)
        current = driver.position()
        if current == previous and not _reports_moving(driver):
            return current
        previous = current
    raise PtzError(f"camera did not settle within {timeout:g} s (last position {previous})")


def _reports_moving(driver: PtzDriver) -> bool:
    moving = getattr(driver, "moving", None)
    return bool(moving()) if callable(moving) else False
