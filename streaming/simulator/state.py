"""The simulated PTZ head: a position that travels to its target at a finite speed."""

from __future__ import annotations

import threading
import time

from streaming.ptz.base import Position

PRESET_COUNT = 16
WIDE = Position(0.0, 0.0, 0.0)
SEAT_ZOOM = 0.6

# The chamber picture's seats, as fractions of its width and height (see chamber.py):
# rows of SEATS_PER_ROW facing the chair's desk, numbered from 1, left to right.
SEAT_ROWS = (0.2, 0.38, 0.56)
SEATS_PER_ROW = 8


def seat_centre(number: int) -> tuple[float, float]:
    row, column = divmod(number - 1, SEATS_PER_ROW)
    return (column + 0.5) / SEATS_PER_ROW, SEAT_ROWS[row]


def seat_position(number: int, zoom: float = SEAT_ZOOM) -> Position:
    """Where the camera looks at seat `number` (pan/tilt aim the crop centre)."""
    fx, fy = seat_centre(number)
    return Position(round(2 * fx - 1, 4), round(1 - 2 * fy, 4), zoom)


def default_presets() -> dict[int, Position]:
    """Preset 0 is the wide shot, presets 1..15 the first fifteen seats."""
    return {0: WIDE} | {slot: seat_position(slot) for slot in range(1, PRESET_COUNT)}


class PtzHead:
    """Thread-safe: the VISCA and ONVIF servers and the feed's updater share it."""

    def __init__(self, speed: float = 2.0):
        self.speed = speed  # normalised units per second, each axis on its own
        self.presets = default_presets()
        self._lock = threading.Lock()
        self._position = self._target = WIDE
        self._at = time.monotonic()

    @property
    def position(self) -> Position:
        with self._lock:
            return self._advance()

    @property
    def target(self) -> Position:
        with self._lock:
            return self._target

    @property
    def moving(self) -> bool:
        return self.position != self.target

    def move_to(self, position: Position) -> None:
        with self._lock:
            self._advance()
            self._target = position.clamped()

    def move_partly(
        self, pan_tilt: tuple[float, float] | None = None, zoom: float | None = None
    ) -> None:
        """VISCA moves pan-tilt and zoom with separate commands."""
        with self._lock:
            self._advance()
            t = self._target
            pan, tilt = pan_tilt if pan_tilt is not None else (t.pan, t.tilt)
            self._target = Position(pan, tilt, t.zoom if zoom is None else zoom).clamped()

    def recall(self, slot: int) -> None:
        """KeyError for a slot the camera does not have."""
        self.move_to(self.presets[slot])

    def store(self, slot: int) -> None:
        if slot not in self.presets:
            raise KeyError(slot)
        self.presets[slot] = self.position

    def _advance(self) -> Position:
        now = time.monotonic()
        step = self.speed * (now - self._at)
        p, t = self._position, self._target
        self._position = Position(
            _towards(p.pan, t.pan, step),
            _towards(p.tilt, t.tilt, step),
            _towards(p.zoom, t.zoom, step),
        )
        self._at = now
        return self._position


def _towards(value: float, goal: float, step: float) -> float:
    if abs(goal - value) <= step:
        return goal
    return value + step if goal > value else value - step
