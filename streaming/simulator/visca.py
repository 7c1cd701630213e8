"""The simulated camera's VISCA over IP server (UDP), answering like a Sony head."""

from __future__ import annotations

import contextlib
import socket
import threading

from streaming.ptz import visca
from streaming.simulator.state import PtzHead

ACK = bytes.fromhex("9041FF")
COMPLETION = bytes.fromhex("9051FF")
SYNTAX_ERROR = bytes.fromhex("906002FF")
NOT_EXECUTABLE = bytes.fromhex("906141FF")


class ViscaServer:
    def __init__(self, head: PtzHead, port: int, host: str = "127.0.0.1"):
        self.head = head
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((host, port))
        self._thread = threading.Thread(target=self._serve, name=f"visca-{port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
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
                replies = self.answer(datagram)
            except Exception:  # a simulator must keep answering whatever it is sent
                replies = [visca.frame(visca.REPLY, 0, SYNTAX_ERROR)]
            for reply in replies:
                with contextlib.suppress(OSError):
                    self.socket.sendto(reply, peer)

    def answer(self, datagram: bytes) -> list[bytes]:
        """The datagrams replying to one request; a malformed one gets a syntax error."""
        try:
            kind, sequence, payload = visca.unframe(datagram)
        except ValueError:
            return [visca.frame(visca.REPLY, 0, SYNTAX_ERROR)]
        if kind == visca.CONTROL:
            return [visca.frame(visca.CONTROL_REPLY, sequence, b"\x01")]
        if kind == visca.INQUIRY:
            return [visca.frame(visca.REPLY, sequence, self._inquiry(payload))]
        if kind == visca.COMMAND:
            return [visca.frame(visca.REPLY, sequence, reply) for reply in self._command(payload)]
        return [visca.frame(visca.REPLY, sequence, SYNTAX_ERROR)]

    def _inquiry(self, payload: bytes) -> bytes:
        pan, tilt, zoom = visca.to_units(self.head.position)
        if payload == visca.INQ_PAN_TILT:
            return b"\x90\x50" + visca.nibbles(pan) + visca.nibbles(tilt) + b"\xff"
        if payload == visca.INQ_ZOOM:
            return b"\x90\x50" + visca.nibbles(zoom) + b"\xff"
        return SYNTAX_ERROR

    def _command(self, payload: bytes) -> list[bytes]:
        if len(payload) < 4 or payload[0] != 0x81 or payload[-1] != 0xFF:
            return [SYNTAX_ERROR]
        head = payload[1:4]
        try:
            if head == b"\x01\x04\x3f" and len(payload) == 7 and payload[4] in (1, 2):
                slot = payload[5]
                self.head.recall(slot) if payload[4] == 2 else self.head.store(slot)
            elif head == b"\x01\x06\x02" and len(payload) == 15:
                pan = visca.from_nibbles(payload[6:10], signed=True) / visca.PAN_MAX
                tilt = visca.from_nibbles(payload[10:14], signed=True) / visca.TILT_MAX
                self.head.move_partly(pan_tilt=(pan, tilt))
            elif head == b"\x01\x04\x47" and len(payload) == 9:
                self.head.move_partly(zoom=visca.from_nibbles(payload[4:8]) / visca.ZOOM_MAX)
            else:
                return [SYNTAX_ERROR]
        except KeyError:
            return [ACK, NOT_EXECUTABLE]
        return [ACK, COMPLETION]
