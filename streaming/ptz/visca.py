"""VISCA over IP (Sony's framing on UDP, port 52381 on real cameras).

Each datagram is an 8-byte header, then the VISCA message (81 ... FF):

    payload type (2 bytes): 0x0100 command, 0x0110 inquiry, 0x0111 reply,
                            0x0200 control, 0x0201 control reply
    payload length (2 bytes), sequence number (4 bytes), all big-endian.

A command is answered by an ACK (90 4y FF, y the camera's command socket, 1 or 2)
then, when it is done, a Completion (90 5y FF) carrying the same sequence number: for a
move, seconds later, once the head has arrived. Or by an error (90 6y ee FF). An
inquiry is answered by a Completion carrying the data (90 50 ... FF). IF_Clear (81 01
00 01 FF) is answered by 90 50 FF alone. The control message 0x0200 / payload 01
(RESET) sets the camera's count of our sequence numbers back; the camera answers a
number it does not expect with the control message 0F 01.

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
import threading
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
INQ_POWER = bytes.fromhex("81090400FF")
IF_CLEAR = bytes.fromhex("81010001FF")
SEQUENCE_ERROR, MESSAGE_ERROR = b"\x0f\x01", b"\x0f\x02"
MOVE_TIMEOUT = 20.0  # the longest a move may take: a full pan at a real head's speed is 4 s


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


def pan_tilt_drive(pan: float, tilt: float) -> bytes:
    """Continuous pan-tilt at fractions of the top speeds (sign: right / up), 0 stops."""
    pan_speed = max(1, round(abs(pan) * PAN_SPEED))
    tilt_speed = max(1, round(abs(tilt) * TILT_SPEED))
    pan_way = 0x03 if pan == 0 else (0x02 if pan > 0 else 0x01)
    tilt_way = 0x03 if tilt == 0 else (0x01 if tilt > 0 else 0x02)
    return bytes([0x81, 0x01, 0x06, 0x01, pan_speed, tilt_speed, pan_way, tilt_way, 0xFF])


def zoom_drive(zoom: float) -> bytes:
    """Continuous zoom at a fraction of the top speed (sign: tele / wide), 0 stops."""
    if zoom == 0:
        return bytes.fromhex("8101040700FF")
    speed = min(7, max(0, round(abs(zoom) * 8) - 1))
    return bytes([0x81, 0x01, 0x04, 0x07, (0x20 if zoom > 0 else 0x30) | speed, 0xFF])


class ViscaDriver:
    """A VISCA over IP camera at "host:port" (UDP), one exchange at a time (a lock
    keeps callers from several threads in turn).

    `timeout` bounds the wait for an ACK or an inquiry's answer; `move_timeout` the
    wait for a move's Completion after its ACK (as long as the move takes, bounded).
    Replies are matched by sequence number and, for a command, by the socket its ACK
    named: a late Completion of an earlier command (one that timed out) is skipped.
    `inquiry_type` is the payload type of inquiries: 0x0110 as Sony's specification
    says, or 0x0100 for heads that only take commands."""

    def __init__(
        self,
        address: str,
        timeout: float = 2.0,
        move_timeout: float = MOVE_TIMEOUT,
        inquiry_type: int = INQUIRY,
    ):
        self.address = address
        self.timeout, self.move_timeout, self.inquiry_type = timeout, move_timeout, inquiry_type
        self._peer = split_address(address)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._lock = threading.RLock()
        self._sequence = itertools.count(1)
        self.skipped = 0  # replies to earlier messages read and ignored
        with self._lock:
            self._reset_sequence()
            self._command(IF_CLEAR, "IF_Clear")  # frees sockets a lost controller left busy

    def recall(self, slot: int) -> None:
        self._command(memory_recall(self._slot(slot)), f"recall preset {slot}")

    def store(self, slot: int) -> None:
        self._command(memory_set(self._slot(slot)), f"store preset {slot}")

    def move_to(self, position: Position) -> None:
        """Pan-tilt, and once it has completed, the zoom."""
        pan, tilt, zoom = to_units(position)
        with self._lock:
            self._command(absolute_pan_tilt(pan, tilt), "absolute pan-tilt")
            self._command(zoom_direct(zoom), "zoom direct")

    def drive(self, pan: float = 0.0, tilt: float = 0.0, zoom: float = 0.0) -> None:
        """Move continuously at fractions of the top speeds until `stop()`."""
        with self._lock:
            self._command(pan_tilt_drive(pan, tilt), "pan-tilt drive")
            self._command(zoom_drive(zoom), "zoom drive")

    def stop(self) -> None:
        self.drive(0.0, 0.0, 0.0)

    def position(self) -> Position:
        with self._lock:
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
        self._exchange("sequence reset", 0, lambda payload: payload == b"\x01", None)

    def _command(self, message: bytes, what: str) -> None:
        with self._lock:
            sequence = next(self._sequence)
            self._send(COMMAND, sequence, message)
            try:
                self._exchange(what, sequence, None, self.move_timeout)
            except _OutOfSequence:
                self._reset_sequence()  # the camera lost count (restarted?): once more
                sequence = next(self._sequence)
                self._send(COMMAND, sequence, message)
                self._exchange(what, sequence, None, self.move_timeout)

    def _inquiry(self, message: bytes, what: str, data_bytes: int) -> bytes:
        with self._lock:
            sequence = next(self._sequence)
            self._send(self.inquiry_type, sequence, message)
            payload = self._exchange(what, sequence, _is_completion, None)
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

    def _exchange(
        self,
        what: str,
        sequence: int,
        done: Callable[[bytes], bool] | None,
        move_timeout: float | None,
    ) -> bytes:
        """Read the replies to `sequence` until it is done: `done(payload)` for an
        inquiry or a control message; for a command (done None), its Completion on the
        socket its ACK named, waited for up to `move_timeout` after the ACK."""
        deadline = time.monotonic() + self.timeout
        socket_number: int | None = None
        while (left := deadline - time.monotonic()) > 0:
            kind, payload = self._next_reply(what, sequence, left)
            if kind is None:
                continue
            if kind == CONTROL and payload[:1] == b"\x0f":
                if payload == SEQUENCE_ERROR:
                    raise _OutOfSequence(what)
                raise PtzError(f"VISCA camera {self.address} refused {what}: abnormal message")
            if done is not None:
                if _is_error(payload):
                    raise self._refused(what, payload)
                if done(payload):
                    return payload
                continue
            number = payload[1] & 0x0F if len(payload) >= 3 else -1
            if socket_number is not None and number not in (socket_number, 0):
                self.skipped += 1  # another socket's reply: not this command's
                continue
            if _is_error(payload):
                raise self._refused(what, payload)
            if _is_ack(payload):
                socket_number = number
                deadline = time.monotonic() + (move_timeout or self.timeout)
            elif _is_completion(payload):
                return payload
        raise self._unanswered(what, acknowledged=socket_number is not None, wait=move_timeout)

    def _unanswered(self, what: str, acknowledged: bool, wait: float | None) -> PtzError:
        """A command that never completed once acknowledged, or a message never answered."""
        if acknowledged:
            return PtzError(
                f"VISCA camera {self.address}: {what} did not complete within "
                f"{wait or self.timeout:g} s"
            )
        return PtzError(
            f"VISCA camera {self.address}: no answer to {what} within {self.timeout:g} s"
        )

    def _next_reply(self, what: str, sequence: int, left: float) -> tuple[int | None, bytes]:
        """The next datagram replying to `sequence`: (payload type, payload), or (None,
        b"") for one that is not (a late reply to an earlier message, garbage)."""
        self._socket.settimeout(left)
        try:
            datagram, _ = self._socket.recvfrom(1024)
        except TimeoutError:
            return None, b""
        except OSError as error:  # ICMP port unreachable surfaces here on Linux
            raise PtzError(f"VISCA camera {self.address} unreachable ({what}): {error}") from error
        try:
            kind, reply_sequence, payload = unframe(datagram)
        except ValueError:
            return None, b""
        if reply_sequence != sequence:
            self.skipped += 1
            return None, b""
        return kind, payload

    def _refused(self, what: str, payload: bytes) -> PtzError:
        reason = ERRORS.get(payload[2], f"error {payload[2]:#04x}")
        return PtzError(f"VISCA camera {self.address} refused {what}: {reason}")


class _OutOfSequence(PtzError):
    """The camera answered 'abnormal sequence number': our count must be reset."""


def _is_ack(payload: bytes) -> bool:
    return len(payload) == 3 and payload[0] == 0x90 and payload[1] & 0xF0 == 0x40


def _is_error(payload: bytes) -> bool:
    return len(payload) == 4 and payload[0] == 0x90 and payload[1] & 0xF0 == 0x60


def _is_completion(payload: bytes) -> bool:
    return (
        len(payload) >= 3
        and payload[0] == 0x90
        and payload[1] & 0xF0 == 0x50
        and payload[-1] == 0xFF
    )
