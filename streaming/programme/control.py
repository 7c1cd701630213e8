"""Run-time control of the mixer through its `zmq` filter: each command is one
"target command argument" request, answered "0 Success" by ffmpeg.

The state is updated before the command is sent: a mixer that is restarting comes back
from the state (see `graph.mixer_command`), so a command is never lost, only delayed.
Every method returns True when the running mixer applied the command.
"""

from __future__ import annotations

import threading

import zmq

from streaming.programme.state import SLATES, LowerThird, ProgrammeState, clean_text

LOWER_THIRD_FILTERS = ("drawbox@ltbox", "drawtext@ltname", "drawtext@ltdetail")


class ControlError(Exception):
    """The mixer refused a command: a bug in the command, not a missing mixer."""


def quoted(text: str) -> str:
    """`text` as one argument of a zmq filter command: single-quoted, in which nothing is
    special but the closing quote (written '\\'' as in a shell)."""
    return "'" + text.replace("'", "'\\''") + "'"


class ProgrammeControl:
    def __init__(
        self, address: str, inputs: int, state: ProgrammeState | None = None, timeout: float = 1.0
    ) -> None:
        self.address = address
        self.inputs = inputs
        self.state = state or ProgrammeState()
        self.timeout_ms = int(timeout * 1000)
        self._context = zmq.Context.instance()
        self._socket: zmq.Socket[bytes] | None = None
        self._lock = threading.Lock()

    def cut(self, input_index: int) -> bool:
        self.state.cut = self._checked(input_index)
        return self._send_all(self._cut_commands())

    def pip(self, input_index: int | None) -> bool:
        self.state.pip = None if input_index is None else self._checked(input_index)
        return self._send_all(self._pip_commands())

    def lower_third(self, name: str, role: str = "", item: str = "") -> bool:
        texts = (clean_text(name), clean_text(role), clean_text(item))
        self.state.lower_third = LowerThird(*texts) if any(texts) else None
        return self._send_all(self._lower_third_commands())

    def hide_lower_third(self) -> bool:
        self.state.lower_third = None
        return self._send_all(self._lower_third_commands())

    def slate(self, kind: str | None) -> bool:
        if kind is not None and kind not in SLATES:
            raise ValueError(f"unknown slate {kind!r}; one of {sorted(SLATES)}")
        self.state.slate = kind
        # The sound first: nothing of a closed session may go out.
        return self._send_all([self._volume_command(), *self._slate_commands()])

    def mute(self, muted: bool) -> bool:
        self.state.muted = muted
        return self._send_all([self._volume_command()])

    def apply(self) -> bool:
        """Send the whole state again, e.g. to a mixer that has just started."""
        return self._send_all(
            [
                self._volume_command(),
                *self._slate_commands(),
                *self._cut_commands(),
                *self._pip_commands(),
                *self._lower_third_commands(),
            ]
        )

    def ping(self) -> bool:
        return self._send_all(["streamselect@cut ping"])

    def close(self) -> None:
        with self._lock:
            self._drop_socket()

    def _checked(self, input_index: int) -> int:
        if not 0 <= input_index < self.inputs:
            raise ValueError(f"no input {input_index}: the programme has {self.inputs}")
        return input_index

    def _cut_commands(self) -> list[str]:
        cut = self.state.cut
        return [f"streamselect@cut map {cut}", f"astreamselect@cut map {cut}"]

    def _pip_commands(self) -> list[str]:
        if self.state.pip is None:
            return ["overlay@pip enable 0"]
        return [f"streamselect@pipsource map {self.state.pip}", "overlay@pip enable 1"]

    def _lower_third_commands(self) -> list[str]:
        lt = self.state.lower_third
        if lt is None:
            return [f"{target} enable 0" for target in LOWER_THIRD_FILTERS]
        return [
            f"drawtext@ltname text {quoted(lt.name or '-')}",
            f"drawtext@ltdetail text {quoted(lt.detail or '-')}",
            "drawbox@ltbox enable 1",
            f"drawtext@ltname enable {int(bool(lt.name))}",
            f"drawtext@ltdetail enable {int(bool(lt.detail))}",
        ]

    def _slate_commands(self) -> list[str]:
        if self.state.slate is None:
            return ["drawbox@slatebox enable 0", "drawtext@slatetext enable 0"]
        slate = SLATES[self.state.slate]
        return [
            f"drawbox@slatebox color {slate.colour}",
            f"drawtext@slatetext text {quoted(slate.text)}",
            "drawbox@slatebox enable 1",
            "drawtext@slatetext enable 1",
        ]

    def _volume_command(self) -> str:
        return f"volume@mute volume {self.state.volume}"

    def _send_all(self, commands: list[str]) -> bool:
        """Stops at the first command left unanswered: the mixer is down."""
        with self._lock:
            return all(self._send(command) for command in commands)

    def _send(self, command: str) -> bool:
        """One request and its reply; a mixer that does not answer in time is down."""
        socket = self._socket or self._connect()
        try:
            socket.send_string(command)
            reply = socket.recv_string()
        except zmq.Again:
            self._drop_socket()  # a REQ socket without its reply cannot be used again
            return False
        if not reply.startswith("0 "):
            raise ControlError(f"{command!r}: {reply}")
        return True

    def _connect(self) -> zmq.Socket[bytes]:
        socket = self._context.socket(zmq.REQ)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.RCVTIMEO, self.timeout_ms)
        socket.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
        socket.connect(self.address)
        self._socket = socket
        return socket

    def _drop_socket(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None
