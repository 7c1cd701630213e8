"""A mail server for the tests: a real SMTP server (aiosmtpd) on a free loopback port.

It speaks the protocol as a real MTA does (greeting, EHLO before MAIL, RCPT, DATA, the
dot), keeps every message it accepted, and can be told to answer one recipient's RCPT
with a refusal (``550 5.1.1 …`` permanent, ``451 4.3.0 …`` temporary), to drop the
connection at that recipient's RCPT, as a server that crashes or a network that cuts would,
or to stall before every answer, as an overloaded server does.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Accepted:
    recipients: list[str]
    message: Message


@dataclass
class Handler:
    refusals: dict[str, str] = field(default_factory=dict)
    drops: set[str] = field(default_factory=set)
    stall: float = 0.0  # seconds each RCPT waits before its answer
    accepted: list[Accepted] = field(default_factory=list)
    received: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.stall:
            await asyncio.sleep(self.stall)
        if address in self.drops:
            server.transport.close()
            return "421 4.4.2 connection dropped"
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.received:
            self.accepted.append(
                Accepted(list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
            )
            self.received.notify_all()
        return "250 2.0.0 Message accepted for delivery"


class SMTPSimulator:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SMTPSimulator:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def refuse(self, address: str, answer: str) -> None:
        self.handler.refusals[address] = answer

    def drop_at(self, address: str) -> None:
        self.handler.drops.add(address)

    def stall(self, seconds: float) -> None:
        """Answer every RCPT only after `seconds`: a server that is there but does not answer."""
        self.handler.stall = seconds

    def recover(self) -> None:
        self.handler.refusals.clear()
        self.handler.drops.clear()
        self.handler.stall = 0.0

    def messages_to(self, address: str) -> list[Message]:
        return [a.message for a in self.handler.accepted if address in a.recipients]

    def wait_for(self, address: str, count: int = 1, timeout: float = 60) -> list[Message]:
        """Wait until `count` messages to `address` were accepted (or fail after `timeout`)."""
        with self.handler.received:
            done = self.handler.received.wait_for(
                lambda: len(self.messages_to(address)) >= count, timeout
            )
        assert done, f"{address}: {len(self.messages_to(address))} message(s), {count} awaited"
        return self.messages_to(address)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
