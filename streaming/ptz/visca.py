"""VISCA over IP (Sony's framing on UDP, port 52381 on real cameras).

Each datagram is an 8-byte header, then the VISCA message (81 ... FF):

    payload type (2 bytes): 0x0100 command, 0x0110 inquiry, 0x0111 reply,
                            0x0200 control, 0x0201 control reply
    payload length (2 bytes), sequence number (4 bytes), all big-endian.

A command is answered by an ACK (90 4y FF) then a Completion (90 5y FF), or by an
error (90 6y ee FF); an inquiry by a Completion carrying the data. The control
message 0x0200 / payload 01 resets the camera's sequence number.

Protocol units used here (and by the simulator), a common Sony range:
    pan   -0x0990 .. +0x0990  (signed 16-bit, sent as four nibbles 0Y0Y0Y0Y)
    tilt  -0x0510 .. +0x0510  (signed 16-bit, four nibbles)
    zoom   0x0000 .. 0x4000   (four nibbles 0p0q0r0s; 0 = wide)
Normalised values map linearly onto them, so a round trip is exact within
1/0x0990 (pan), 1/0x0510 (tilt) and 1/0x4000 (zoom).
"""

from __future__ import annotations

import itertools
import socket
import struct
import time
from collections.abc import Callable

from streaming.ptz.base import Position, PtzError, split_address

COMMAND, INQUIRY, REPLY, CONTROL, CONTROL_REPLY = 0x0100, 0x0110, 0x0111, 0x0200, 0x0201
HEADER = struct.Struct(">HHI")
PAN_MAX, TILT_MAX, ZOOM_MAX = 0x0990, 0x0510, 0x4000
PRESET_SLOTS = 0x80  # the VISCA byte allows 0..127; most cameras keep fewer
PAN_SPEED, TILT_SPEED = 0x18, 0x14  # fastest
ERRORS = {
    0x01: "message length error",
    0x02: "syntax error",
    0x03: "command buffer full",
    0x04: "command cancelled",
    0x05: "no socket",
    0x41: "command not executable",
}

INQ_PAN_TILT = bytes.fromhex("81090612FF")
INQ_ZOOM = bytes.fromhex("81090447FF")


def frame(payload_type: int, sequence: int, payload: bytes) -> bytes:
    return HEADER.pack(payload_type, len(payload), sequence) + payload


def unframe(datagram: bytes) -> tuple[int, int, bytes]:
    """(payload type, sequence, payload); ValueError when the header is inconsistent."""
    if len(datagram) < HEADER.size:
        raise ValueError("datagram shorter than the VISCA over IP header")
    payload_type, length, sequence = HEADER.unpack_from(datagram)
    payload = datagram[HEADER.size :]
    if length != len(payload):
        raise ValueError("payload length does not match the header")
    return payload_type, sequence, payload


def nibbles(value: int, count: int = 4) -> bytes:
    """An unsigned (or two's-complement 16-bit) value as `count` bytes 0x0N, high first."""
    value &= (1 << (4 * count)) - 1
    return bytes((value >> (4 * (count - 1 - i))) & 0x0F for i in range(count))


def from_nibbles(data: bytes, signed: bool = False) -> int:
    value = 0
    for byte in data:
        value = (value << 4) | (byte & 0x0F)
    bits = 4 * len(data)
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def to_units(position: Position) -> tuple[int, int, int]:
    p = position.clamped()
    return round(p.pan * PAN_MAX), round(p.tilt * TILT_MAX), round(p.zoom * ZOOM_MAX)


def from_units(pan: int, tilt: int, zoom: int) -> Position:
    return Position(pan / PAN_MAX, tilt / TILT_MAX, zoom / ZOOM_MAX)


def memory_recall(slot: int) -> bytes:
    return bytes([0x81, 0x01, 0x04, 0x3F, 0x02, slot, 0xFF])


def memory_set(slot: int) -> bytes:
    return bytes([0x81, 0x01, 0x04, 0x3F, 0x01, slot, 0xFF])


def absolute_pan_tilt(pan: int, tilt: int) -> bytes:
    return (
        bytes([0x81, 0x01, 0x06, 0x02, PAN_SPEED, TILT_SPEED])
        + nibbles(pan)
        + nibbles(tilt)
        + b"\xff"
    )


def zoom_direct(zoom: int) -> bytes:
    return bytes([0x81, 0x01, 0x04, 0x47]) + nibbles(zoom) + b"\xff"


class ViscaDriver:
    """A VISCA over IP camera at "host:port" (UDP). One command at a time."""

    def __init__(self, address: str, timeout: float = 2.0):
        self.address = address
        self.timeout = timeout
        self._peer = split_address(address)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sequence = itertools.count(1)
        self._reset_sequence()

    def recall(self, slot: int) -> None:
        self._command(memory_recall(self._slot(slot)), f"recall preset {slot}")

    def store(self, slot: int) -> None:
        self._command(memory_set(self._slot(slot)), f"store preset {slot}")

    def move_to(self, position: Position) -> None:
        pan, tilt, zoom = to_units(position)
        self._command(absolute_pan_tilt(pan, tilt), "absolute pan-tilt")
        self._command(zoom_direct(zoom), "zoom direct")

    def position(self) -> Position:
        pan_tilt = self._inquiry(INQ_PAN_TILT, "pan-tilt position", data_bytes=8)
        zoom = self._inquiry(INQ_ZOOM, "zoom position", data_bytes=4)
        return from_units(
            from_nibbles(pan_tilt[:4], signed=True),
            from_nibbles(pan_tilt[4:], signed=True),
            from_nibbles(zoom),
        )

    def close(self) -> None:
        self._socket.close()

    def _slot(self, slot: int) -> int:
        if not 0 <= slot < PRESET_SLOTS:
            raise PtzError(f"preset {slot} out of range for VISCA (0..{PRESET_SLOTS - 1})")
        return slot

    def _reset_sequence(self) -> None:
        self._sequence = itertools.count(1)
        self._send(CONTROL, 0, b"\x01")
        self._receive("sequence reset", 0, lambda payload: True, CONTROL_REPLY)

    def _command(self, message: bytes, what: str) -> None:
        sequence = next(self._sequence)
        self._send(COMMAND, sequence, message)
        self._receive(what, sequence, _is_completion)

    def _inquiry(self, message: bytes, what: str, data_bytes: int) -> bytes:
        sequence = next(self._sequence)
        self._send(INQUIRY, sequence, message)
        payload = self._receive(what, sequence, _is_completion)
        data = payload[2:-1]
        if len(data) != data_bytes:
            raise PtzError(
                f"VISCA camera {self.address}: malformed {what} reply {payload.hex(' ')}"
            )
        return data

    def _send(self, payload_type: int, sequence: int, payload: bytes) -> None:
        try:
            self._socket.sendto(frame(payload_type, sequence, payload), self._peer)
        except OSError as error:
            raise PtzError(f"VISCA camera {self.address} unreachable: {error}") from error

    def _receive(
        self, what: str, sequence: int, done: Callable[[bytes], bool], kind: int | None = None
    ) -> bytes:
        """Read the replies to `sequence` until `done(payload)`: ACKs are skipped, an
        error raises, replies to earlier (timed out) messages are ignored."""
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            self._socket.settimeout(left)
            try:
                datagram, _ = self._socket.recvfrom(1024)
            except TimeoutError:
                break
            except OSError as error:  # ICMP port unreachable surfaces here on Linux
                raise PtzError(
                    f"VISCA camera {self.address} unreachable ({what}): {error}"
                ) from error
            try:
                reply_kind, reply_sequence, payload = unframe(datagram)
            except ValueError:
                continue
            if reply_sequence != sequence or (kind is not None and reply_kind != kind):
                continue
            if len(payload) >= 3 and payload[1] & 0xF0 == 0x60:
                reason = ERRORS.get(payload[2], f"error {payload[2]:#04x}")
                raise PtzError(f"VISCA camera {self.address} refused {what}: {reason}")
            if done(payload):
                return payload
        raise PtzError(
            f"VISCA camera {self.address}: no answer to {what} within {self.timeout:g} s"
        )


def _is_completion(payload: bytes) -> bool:
    return (
        len(payload) >= 3
        and payload[0] == 0x90
        and payload[1] & 0xF0 == 0x50
        and payload[-1] == 0xFF
    )
