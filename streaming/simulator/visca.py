"""The simulated camera's VISCA over IP server (UDP), as strict as a Sony head.

What it answers, as Sony's VISCA over IP specification and its heads do:

- Framing: payload type 0x0100 command, 0x0110 inquiry, 0x0111 reply, 0x0120 device
  setting, 0x0200 control, 0x0201 control reply; payload length; sequence number. A
  payload length that does not match, or past 16 bytes, gets "message length error"
  (90 60 01 FF); an unknown payload type the control ERROR 0F 02 (abnormal message).
- Sequence numbers, per controller (address and port): RESET (control 01) sets the
  count back (answered by control reply 01); a message whose number is not above the
  last one (a retransmission, or a stranger's number) gets the control ERROR 0F 01
  (abnormal sequence number) and is not performed, as Sony's table of retransmissions
  says. A controller never seen is taken at its first number.
- Commands: two command sockets. A move (absolute or relative pan-tilt, home, zoom
  direct, memory recall) takes a free socket, is acknowledged at once (90 4y FF) and
  completed (90 5y FF) only when the simulated head has arrived, seconds later at a
  real head's speed; a third move while both sockets are busy gets "buffer full"
  (90 60 03 FF); a newer move of the same axes cancels the older one (90 6y 04 FF).
  Drives, zoom tele/wide/stop, memory set, power complete at once. IF_Clear
  (81 01 00 01 FF) answers 90 50 FF and clears both sockets; Command Cancel (81 2y
  FF) answers 90 6y 04 FF. A recall of a memory the head does not have gets "command
  not executable" (90 6y 41 FF); anything else unknown or malformed "syntax error"
  (90 60 02 FF).
- Inquiries (pan-tilt position 81 09 06 12 FF, zoom position 81 09 04 47 FF, power 81 09
  04 00 FF), under payload type 0x0110 and also under 0x0100, as some controllers send
  them, answered with 90 50 ... FF while the head moves too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from streaming.ptz import visca
from streaming.simulator.state import PtzHead

SYNTAX_ERROR = bytes.fromhex("906002FF")
LENGTH_ERROR = bytes.fromhex("906001FF")
BUFFER_FULL = bytes.fromhex("906003FF")
IF_CLEAR_DONE = bytes.fromhex("9050FF")
SEQUENCE_ERROR = bytes.fromhex("0F01")  # control ERROR payloads
MESSAGE_ERROR = bytes.fromhex("0F02")
DEVICE_SETTING = 0x0120
SOCKETS = (1, 2)
MAX_PAYLOAD = 16
WRAP = 1 << 32

Peer = tuple[str, int]


def ack(socket_number: int) -> bytes:
    return bytes([0x90, 0x40 | socket_number, 0xFF])


def completion(socket_number: int) -> bytes:
    return bytes([0x90, 0x50 | socket_number, 0xFF])


def error(socket_number: int, code: int) -> bytes:
    return bytes([0x90, 0x60 | socket_number, code, 0xFF])


class Refused(Exception):
    """A command the head answers with an error reply instead of performing it."""

    def __init__(self, reply: bytes):
        super().__init__(reply.hex(" "))
        self.reply = reply


@dataclass
class _Job:
    """A move holding one of the two command sockets until it completes."""

    peer: Peer
    sequence: int
    axes: frozenset[str]
    timer: threading.Timer | None = None


class ViscaServer:
    def __init__(self, head: PtzHead, port: int, host: str = "127.0.0.1", share_port: bool = False):
        """`share_port` lets a client on this machine bind the same UDP port on another
        address (visca-over-ip binds the camera's port number for its inquiries)."""
        self.head = head
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if share_port:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self._lock = threading.RLock()
        self._jobs: dict[int, _Job] = {}
        self._last_sequence: dict[Peer, int] = {}
        self._thread = threading.Thread(target=self._serve, name=f"visca-{port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                if job.timer:
                    job.timer.cancel()
            self._jobs.clear()
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked recvfrom
        self.socket.close()
        self._thread.join(timeout=2)

    def _serve(self) -> None:
        while True:
            try:
                datagram, peer = self.socket.recvfrom(2048)
            except OSError:
                return
            if not datagram:
                continue
            try:
                replies = self.answer(datagram, peer)
            except Exception:  # a simulator must keep answering whatever it is sent
                replies = [visca.frame(visca.REPLY, 0, SYNTAX_ERROR)]
            for reply in replies:
                self._send(reply, peer)

    def _send(self, datagram: bytes, peer: Peer) -> None:
        with contextlib.suppress(OSError):
            self.socket.sendto(datagram, peer)

    def answer(self, datagram: bytes, peer: Peer = ("", 0)) -> list[bytes]:
        """The datagrams answering one request from `peer` (completions of moves are
        sent later, from a timer)."""
        if len(datagram) < visca.HEADER.size:
            return [visca.frame(visca.CONTROL, 0, MESSAGE_ERROR)]
        kind, length, sequence = visca.HEADER.unpack_from(datagram)
        payload = datagram[visca.HEADER.size :]
        if length != len(payload) or not 0 < length <= MAX_PAYLOAD:
            return [visca.frame(visca.REPLY, sequence, LENGTH_ERROR)]
        if kind == visca.CONTROL:
            return self._control(payload, sequence, peer)
        if kind not in (visca.COMMAND, visca.INQUIRY, DEVICE_SETTING):
            return [visca.frame(visca.CONTROL, sequence, MESSAGE_ERROR)]
        if not self._in_sequence(peer, sequence):
            return [visca.frame(visca.CONTROL, sequence, SEQUENCE_ERROR)]
        return [
            visca.frame(visca.REPLY, sequence, reply)
            for reply in self._message(kind, payload, sequence, peer)
        ]

    def _control(self, payload: bytes, sequence: int, peer: Peer) -> list[bytes]:
        if payload == b"\x01":  # RESET
            with self._lock:
                self._last_sequence[peer] = -1
            return [visca.frame(visca.CONTROL_REPLY, sequence, b"\x01")]
        if payload[:1] == b"\x0f":  # the controller reports an error: nothing to answer
            return []
        return [visca.frame(visca.CONTROL, sequence, MESSAGE_ERROR)]

    def _in_sequence(self, peer: Peer, sequence: int) -> bool:
        """Above the controller's last number (or wrapped past 2³²-1 to a small one)."""
        with self._lock:
            last = self._last_sequence.get(peer)
            wrapped = last is not None and last > WRAP - (1 << 16) and sequence < 1 << 16
            if last is not None and sequence <= last and not wrapped:
                return False
            self._last_sequence[peer] = sequence
            return True

    def _message(self, kind: int, payload: bytes, sequence: int, peer: Peer) -> list[bytes]:
        if len(payload) < 3 or payload[-1] != 0xFF or payload[0] not in (0x81, 0x88):
            return [SYNTAX_ERROR]
        if payload[1] == 0x09 and kind in (visca.INQUIRY, visca.COMMAND):
            return [self._inquiry(payload)]
        if kind != visca.COMMAND:
            return [SYNTAX_ERROR]
        try:
            return self._command(payload, sequence, peer)
        except Refused as refused:
            return [refused.reply]

    def _inquiry(self, payload: bytes) -> bytes:
        pan, tilt, zoom = visca.to_units(self.head.position)
        if payload == visca.INQ_PAN_TILT:
            return b"\x90\x50" + visca.nibbles(pan) + visca.nibbles(tilt) + b"\xff"
        if payload == visca.INQ_ZOOM:
            return b"\x90\x50" + visca.nibbles(zoom) + b"\xff"
        if payload == visca.INQ_POWER:
            return bytes.fromhex("905002FF")
        return SYNTAX_ERROR

    def _command(self, payload: bytes, sequence: int, peer: Peer) -> list[bytes]:
        if payload[1:] == b"\x01\x00\x01\xff":  # IF_Clear (81 or broadcast 88)
            self._clear()
            return [IF_CLEAR_DONE]
        if payload[0] != 0x81:
            return [SYNTAX_ERROR]
        if len(payload) == 3 and payload[1] & 0xF0 == 0x20:  # Command Cancel
            return [self._cancel(payload[1] & 0x0F)]
        if payload[1] != 0x01:
            return [SYNTAX_ERROR]
        body = payload[2:-1]
        move = self._move(body)
        if move is None:
            return self._instant(body)
        targets, speeds = move
        return self._start(targets, speeds, sequence, peer)

    def _move(self, body: bytes) -> tuple[dict[str, float], dict[str, float]] | None:
        """(targets, speeds) of a command that ends when the head arrives, or None."""
        if body[:3] == b"\x04\x3f\x02" and len(body) == 4:  # memory recall
            slot = body[3]
            if slot not in self.head.presets:
                raise Refused(error(self._free_socket() or 1, 0x41))
            p = self.head.presets[slot]
            return {"pan": p.pan, "tilt": p.tilt, "zoom": p.zoom}, {}
        if body[:2] in (b"\x06\x02", b"\x06\x03") and len(body) == 12:  # absolute, relative
            pan_speed, tilt_speed = _speed(body[2], 0x18), _speed(body[3], 0x17)
            pan = visca.from_nibbles(_nibbles(body[4:8]), signed=True) / visca.PAN_MAX
            tilt = visca.from_nibbles(_nibbles(body[8:12]), signed=True) / visca.TILT_MAX
            if body[1] == 0x03:
                here = self.head.target
                pan, tilt = here.pan + pan, here.tilt + tilt
            if abs(pan) > 1 or abs(tilt) > 1:
                raise Refused(SYNTAX_ERROR)
            return {"pan": pan, "tilt": tilt}, {"pan": pan_speed, "tilt": tilt_speed}
        if body in (b"\x06\x04", b"\x06\x05"):  # home, reset
            return {"pan": 0.0, "tilt": 0.0}, {}
        if body[:2] == b"\x04\x47" and len(body) == 6:  # zoom direct
            zoom = visca.from_nibbles(_nibbles(body[2:6]))
            if zoom > visca.ZOOM_MAX:
                raise Refused(SYNTAX_ERROR)
            return {"zoom": zoom / visca.ZOOM_MAX}, {}
        return None

    def _instant(self, body: bytes) -> list[bytes]:
        """Commands completed as soon as they are taken: drives, memory set, power."""
        action: Callable[[], object]
        if body[:3] == b"\x04\x3f\x01" and len(body) == 4:  # memory set
            if body[3] not in self.head.presets:
                raise Refused(error(1, 0x41))
            action = lambda: self.head.store(body[3])  # noqa: E731
        elif body[:2] == b"\x06\x01" and len(body) == 6:  # pan-tilt drive
            velocities = _drive(body[2:])
            self._cancel_axes(frozenset(velocities))
            action = lambda: self.head.drive(velocities)  # noqa: E731
        elif body[:2] == b"\x04\x07" and len(body) == 3:  # zoom stop, tele, wide
            velocity = _zoom_drive(body[2])
            self._cancel_axes(frozenset({"zoom"}))
            action = lambda: self.head.drive({"zoom": velocity})  # noqa: E731
        elif body[:2] == b"\x04\x00" and len(body) == 3 and body[2] in (2, 3):  # power
            action = lambda: None  # noqa: E731
        else:
            raise Refused(SYNTAX_ERROR)
        number = self._free_socket()
        if number is None:
            return [BUFFER_FULL]
        action()
        return [ack(number), completion(number)]

    def _start(
        self, targets: dict[str, float], speeds: dict[str, float], sequence: int, peer: Peer
    ) -> list[bytes]:
        with self._lock:
            number = self._free_socket()
            if number is None:
                return [BUFFER_FULL]
            self._cancel_axes(frozenset(targets))
            job = _Job(peer, sequence, frozenset(targets))
            self._jobs[number] = job
            seconds = self.head.move(targets, speeds or 1.0)
            job.timer = threading.Timer(seconds, self._complete, args=(number, job))
            job.timer.daemon = True
            job.timer.start()
        return [ack(number)]

    def _complete(self, number: int, job: _Job) -> None:
        with self._lock:
            if self._jobs.get(number) is not job:
                return  # cancelled meanwhile
            del self._jobs[number]
        self._send(visca.frame(visca.REPLY, job.sequence, completion(number)), job.peer)

    def _free_socket(self) -> int | None:
        with self._lock:
            return next((n for n in SOCKETS if n not in self._jobs), None)

    def _cancel_axes(self, axes: frozenset[str]) -> None:
        """Moves of these axes still in flight end as cancelled (90 6y 04 FF)."""
        with self._lock:
            for number, job in list(self._jobs.items()):
                if job.axes & axes:
                    self._drop(number)
                    self._send(
                        visca.frame(visca.REPLY, job.sequence, error(number, 0x04)), job.peer
                    )

    def _cancel(self, number: int) -> bytes:
        with self._lock:
            if number not in SOCKETS:
                return SYNTAX_ERROR
            job = self._drop(number)
        if job is None:
            return error(number, 0x05)  # no command in that socket
        self.head.stop(tuple(job.axes))
        return error(number, 0x04)

    def _clear(self) -> None:
        with self._lock:
            for number in list(self._jobs):
                self._drop(number)
        self.head.stop()

    def _drop(self, number: int) -> _Job | None:
        job = self._jobs.pop(number, None)
        if job is not None and job.timer is not None:
            job.timer.cancel()
        return job


def _nibbles(data: bytes) -> bytes:
    if any(byte > 0x0F for byte in data):
        raise Refused(SYNTAX_ERROR)
    return data


def _speed(byte: int, top: int) -> float:
    if not 1 <= byte <= top:
        raise Refused(SYNTAX_ERROR)
    return byte / top


def _drive(body: bytes) -> dict[str, float]:
    """Pan-tilt drive VV WW 0p 0q: p 1 left, 2 right, 3 stop; q 1 up, 2 down, 3 stop."""
    signs = {1: -1.0, 2: 1.0, 3: 0.0}
    up = {1: 1.0, 2: -1.0, 3: 0.0}
    if body[2] not in signs or body[3] not in up:
        raise Refused(SYNTAX_ERROR)
    # A stopped axis's speed byte is not read (controllers send 00 there).
    pan_speed = _speed(body[0], 0x18) if body[2] != 3 else 0.0
    tilt_speed = _speed(body[1], 0x17) if body[3] != 3 else 0.0
    return {"pan": signs[body[2]] * pan_speed, "tilt": up[body[3]] * tilt_speed}


def _zoom_drive(byte: int) -> float:
    """00 stop, 02 tele, 03 wide (standard speed), 2p tele, 3p wide at speed p (0..7)."""
    if byte == 0x00:
        return 0.0
    if byte in (0x02, 0x03):
        return 0.5 if byte == 0x02 else -0.5
    if byte >> 4 in (2, 3) and byte & 0x0F <= 7:
        speed = ((byte & 0x0F) + 1) / 8
        return speed if byte >> 4 == 2 else -speed
    raise Refused(SYNTAX_ERROR)
