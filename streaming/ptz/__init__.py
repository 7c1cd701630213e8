"""Drivers for the PTZ (pan, tilt, zoom) heads of the chamber cameras.

Positions are normalised, whatever the protocol: pan and tilt in [-1, 1] (0 is the
centre; pan +1 is right, tilt +1 is up), zoom in [0, 1] (0 is the widest shot). Each
driver converts to its protocol's units. A fixed camera gets a `NoDriver`, which
refuses to move and always reports the centre, so callers need no special case.
"""

from __future__ import annotations

import time

from streaming.ptz.base import Position, PtzDriver, PtzError
from streaming.ptz.onvif import OnvifDriver
from streaming.ptz.visca import ViscaDriver

__all__ = [
    "NoDriver",
    "OnvifDriver",
    "Position",
    "PtzDriver",
    "PtzError",
    "ViscaDriver",
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

    def position(self) -> Position:
        return CENTRE

    def moving(self) -> bool:
        return False

    def close(self) -> None:
        pass


def driver_for(protocol: str, address: str, timeout: float = 2.0) -> PtzDriver:
    """The driver for a camera's control `protocol` ("visca", "onvif" or "none")."""
    if protocol == "visca":
        return ViscaDriver(address, timeout=timeout)
    if protocol == "onvif":
        return OnvifDriver(address, timeout=timeout)
    if protocol in ("none", ""):
        return NoDriver()
    raise PtzError(f"unknown PTZ protocol {protocol!r} (expected visca, onvif or none)")


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
