"""A minimal TURN client (RFC 5766 Allocate over UDP, RFC 5389 long-term credentials), to
ask the real coturn whether it accepts a credential, without a browser."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import struct

MAGIC = 0x2112A442
ALLOCATE = 0x0003
ALLOCATE_OK = 0x0103
ALLOCATE_ERROR = 0x0113
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE = 0x0006, 0x0008, 0x0009
REALM, NONCE, REQUESTED_TRANSPORT, XOR_RELAYED_ADDRESS = 0x0014, 0x0015, 0x0019, 0x0016


def _attr(kind: int, value: bytes) -> bytes:
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def _message(kind: int, tid: bytes, attrs: bytes) -> bytes:
    return struct.pack("!HHI", kind, len(attrs), MAGIC) + tid + attrs


def _parse(data: bytes) -> tuple[int, dict[int, bytes]]:
    kind, length, magic = struct.unpack("!HHI", data[:8])
    assert magic == MAGIC, "not a STUN message"
    attrs, offset = {}, 20
    while offset < 20 + length:
        akind, alen = struct.unpack("!HH", data[offset : offset + 4])
        attrs.setdefault(akind, data[offset + 4 : offset + 4 + alen])
        offset += 4 + alen + (4 - alen % 4) % 4
    return kind, attrs


def allocate(host: str, port: int, username: str, password: str, timeout: float = 5.0) -> str:
    """Allocate a UDP relay with this credential: "ok <relay port>", or "error <code>"."""
    transport = _attr(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((host, port))
        sock.send(_message(ALLOCATE, os.urandom(12), transport))
        kind, attrs = _parse(sock.recv(4096))
        assert kind == ALLOCATE_ERROR, "coturn allocated without credentials"
        realm, nonce = attrs[REALM], attrs[NONCE]
        body = (
            transport
            + _attr(USERNAME, username.encode())
            + _attr(REALM, realm)
            + _attr(NONCE, nonce)
        )
        tid = os.urandom(12)
        # The integrity covers the message with its length counting the integrity itself.
        header = struct.pack("!HHI", ALLOCATE, len(body) + 24, MAGIC) + tid
        key = hashlib.md5(f"{username}:{realm.decode()}:{password}".encode()).digest()
        mac = hmac.new(key, header + body, hashlib.sha1).digest()
        sock.send(header + body + _attr(MESSAGE_INTEGRITY, mac))
        kind, attrs = _parse(sock.recv(4096))
    if kind == ALLOCATE_OK:
        relay_port = struct.unpack("!H", attrs[XOR_RELAYED_ADDRESS][2:4])[0] ^ (MAGIC >> 16)
        return f"ok {relay_port}"
    code = attrs.get(ERROR_CODE, b"\0\0\0\0")
    return f"error {code[2] * 100 + code[3]}"
