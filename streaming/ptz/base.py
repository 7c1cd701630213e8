"""What every PTZ driver shares: the normalised position, the error, the protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Position:
    """pan, tilt in [-1, 1] (0 = centre, +1 = right / up); zoom in [0, 1] (0 = wide)."""

    pan: float
    tilt: float
    zoom: float

    def clamped(self) -> Position:
        return Position(
            _clamp(self.pan, -1.0, 1.0), _clamp(self.tilt, -1.0, 1.0), _clamp(self.zoom, 0.0, 1.0)
        )

    def close_to(self, other: Position, tolerance: float = 1e-3) -> bool:
        return (
            abs(self.pan - other.pan) <= tolerance
            and abs(self.tilt - other.tilt) <= tolerance
            and abs(self.zoom - other.zoom) <= tolerance
        )


class PtzError(Exception):
    """The camera is unreachable, refused the command, or did not answer in time."""


class PtzDriver(Protocol):
    def recall(self, slot: int) -> None: ...

    def store(self, slot: int) -> None: ...

    def move_to(self, position: Position) -> None: ...

    def drive(self, pan: float = 0.0, tilt: float = 0.0, zoom: float = 0.0) -> None: ...

    def stop(self) -> None: ...

    def position(self) -> Position: ...

    def close(self) -> None: ...


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def split_address(address: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """ "host:port" (or ":port") as a (host, port) pair; PtzError when malformed."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise PtzError(f"bad camera address {address!r} (expected host:port)")
    return host.strip("[]") or default_host, int(port)
