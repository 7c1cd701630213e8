"""Free ports on the loopback, for the processes Séance starts itself (mixer control,
ingests, Janus, simulated cameras)."""

from __future__ import annotations

import socket


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)
