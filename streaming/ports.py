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


def udp_pair_free(port: int) -> bool:
    """Whether `port` and its successor can be bound: RTP and its RTCP, as an SDP input
    of ffmpeg binds them."""
    try:
        for number in (port, port + 1):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind(("127.0.0.1", number))
    except OSError:
        return False
    return True


def free_udp_pair() -> int:
    while True:
        port = free_udp_port() & ~1
        if udp_pair_free(port):
            return port
