"""The simulated PTZ head: each axis travels to its target at a real head's speed.

Speeds are those of a Sony-class head (BRC/SRG): pan ±170° at up to 100°/s, tilt ±90°
at up to 90°/s, the zoom from wide to tele in 2.5 s at full speed. Normalised
positions (streaming.ptz.base.Position) map linearly onto those ranges, so a move's
duration follows from its distance and the speed asked for: a preset across the
chamber takes a second or two, as on a real head. `pace` multiplies every speed
(1 is a real head; a demo may want it livelier).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass

from streaming.ptz.base import Position

PRESET_COUNT = 16
WIDE = Position(0.0, 0.0, 0.0)
SEAT_ZOOM = 0.6

PAN_DEGREES, TILT_DEGREES = 170.0, 90.0  # normalised 1 is this many degrees
PAN_MAX_DPS, TILT_MAX_DPS = 100.0, 90.0  # degrees per second at the top speed
ZOOM_FULL_SECONDS = 2.5  # wide to tele at the top zoom speed
PAN_RATE = PAN_MAX_DPS / PAN_DEGREES  # normalised units per second
TILT_RATE = TILT_MAX_DPS / TILT_DEGREES
ZOOM_RATE = 1.0 / ZOOM_FULL_SECONDS
LIMITS = {"pan": (-1.0, 1.0), "tilt": (-1.0, 1.0), "zoom": (0.0, 1.0)}
TOP_RATES = {"pan": PAN_RATE, "tilt": TILT_RATE, "zoom": ZOOM_RATE}

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


def default_preset_name(slot: int) -> str:
    """The names a technician gave the presets in the camera's own web page."""
    return "Plan large" if slot == 0 else f"Place {slot}"


@dataclass
class NamedPreset:
    """An ONVIF preset: an opaque token the camera chose, a name, a position."""

    token: str
    name: str
    position: Position


@dataclass
class _Axis:
    value: float
    target: float
    rate: float  # normalised units per second while travelling

    def advance(self, seconds: float) -> None:
        step = self.rate * seconds
        if abs(self.target - self.value) <= step:
            self.value = self.target
        else:
            self.value += step if self.target > self.value else -step

    def eta(self) -> float:
        """Seconds until it arrives (inf when it does not move towards a target)."""
        distance = abs(self.target - self.value)
        if distance == 0:
            return 0.0
        return distance / self.rate if self.rate > 0 else float("inf")


class PtzHead:
    """Thread-safe: the VISCA and ONVIF servers and the feed's updater share it."""

    def __init__(self, pace: float = 1.0):
        self.pace = pace
        self.presets = default_presets()  # VISCA memories 0..15
        self._tokens = itertools.count(1)
        self.named_presets = [  # ONVIF presets, tokens unrelated to VISCA numbers
            NamedPreset(self.new_token(), default_preset_name(slot), position)
            for slot, position in self.presets.items()
        ]
        self._lock = threading.Lock()
        self._axes = {name: _Axis(0.0, 0.0, 0.0) for name in LIMITS}
        self._at = time.monotonic()

    def new_token(self) -> str:
        return f"ptz-{next(self._tokens):03d}-{secrets.token_hex(2)}"

    @property
    def position(self) -> Position:
        with self._lock:
            self._advance()
            return self._position()

    @property
    def target(self) -> Position:
        with self._lock:
            a = self._axes
            return Position(a["pan"].target, a["tilt"].target, a["zoom"].target)

    @property
    def moving(self) -> bool:
        return self.position != self.target

    def axes_moving(self) -> dict[str, bool]:
        with self._lock:
            self._advance()
            return {name: axis.value != axis.target for name, axis in self._axes.items()}

    def move(self, targets: dict[str, float], speed: float | dict[str, float] = 1.0) -> float:
        """Send the given axes ("pan", "tilt", "zoom") to their targets at `speed` (a
        fraction of each axis's top speed, or one per axis); the seconds until they
        all arrive."""
        with self._lock:
            self._advance()
            for name, goal in targets.items():
                low, high = LIMITS[name]
                axis = self._axes[name]
                axis.target = min(high, max(low, goal))
                fraction = speed.get(name, 1.0) if isinstance(speed, dict) else speed
                axis.rate = TOP_RATES[name] * fraction * self.pace
            return max((self._axes[name].eta() for name in targets), default=0.0)

    def move_to(self, position: Position, speed: float | dict[str, float] = 1.0) -> float:
        p = position.clamped()
        return self.move({"pan": p.pan, "tilt": p.tilt, "zoom": p.zoom}, speed)

    def drive(self, velocities: dict[str, float]) -> None:
        """Continuous move: each axis towards its limit at |v| of its top speed (v in
        [-1, 1], the sign gives the direction); 0 stops the axis."""
        targets, speeds = {}, {}
        for name, velocity in velocities.items():
            low, high = LIMITS[name]
            targets[name] = high if velocity > 0 else low
            speeds[name] = abs(velocity)
        with self._lock:
            self._advance()
            for name, goal in targets.items():
                axis = self._axes[name]
                axis.target = goal if speeds[name] else axis.value
                axis.rate = TOP_RATES[name] * speeds[name] * self.pace

    def stop(self, axes: tuple[str, ...] = ("pan", "tilt", "zoom")) -> None:
        with self._lock:
            self._advance()
            for name in axes:
                self._axes[name].target = self._axes[name].value

    def recall(self, slot: int, speed: float | dict[str, float] = 1.0) -> float:
        """KeyError for a slot the camera does not have; the seconds the move takes."""
        return self.move_to(self.presets[slot], speed)

    def store(self, slot: int) -> None:
        if slot not in self.presets:
            raise KeyError(slot)
        self.presets[slot] = self.position

    def _position(self) -> Position:
        a = self._axes
        return Position(a["pan"].value, a["tilt"].value, a["zoom"].value)

    def _advance(self) -> None:
        now = time.monotonic()
        for axis in self._axes.values():
            axis.advance(now - self._at)
        self._at = now
