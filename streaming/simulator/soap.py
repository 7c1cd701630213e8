"""SOAP 1.2 as an ONVIF device speaks it: envelopes, faults, and WS-Security.

Authentication is the WS-Security UsernameToken profile that ONVIF requires of every
device (ONVIF Core, "User-based access control"): the client sends its user name, a
random Nonce (base64), the Created time and PasswordDigest = base64(SHA-1(nonce +
created + password)). The device refuses, with the SOAP fault env:Sender /
ter:NotAuthorized and HTTP 400 (SOAP 1.2's HTTP binding for a sender's fault): a
request without a token, an unknown user, a wrong digest, a plain-text password, a
Created time outside its window around the device's clock, a nonce it has already
seen within that window (a replay).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import threading
import time
import xml.etree.ElementTree as ET

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
DEVICE = "http://www.onvif.org/ver10/device/wsdl"
MEDIA = "http://www.onvif.org/ver10/media/wsdl"
PTZ = "http://www.onvif.org/ver20/ptz/wsdl"
SCHEMA = "http://www.onvif.org/ver10/schema"
ERROR = "http://www.onvif.org/ver10/error"
NS = {
    "s": SOAP,
    "wsse": WSSE,
    "wsu": WSU,
    "tds": DEVICE,
    "trt": MEDIA,
    "tptz": PTZ,
    "tt": SCHEMA,
    "ter": ERROR,
}


class SoapFault(Exception):
    """A SOAP fault: `code` env:Sender or env:Receiver, ONVIF `subcodes` (ter:...)."""

    def __init__(self, status: int, code: str, subcodes: tuple[str, ...], reason: str):
        super().__init__(reason)
        self.status, self.code, self.subcodes, self.reason = status, code, subcodes, reason


def sender_fault(reason: str, *subcodes: str) -> SoapFault:
    return SoapFault(400, "s:Sender", subcodes, reason)


def not_authorized(reason: str = "Sender not Authorized") -> SoapFault:
    return sender_fault(reason, "ter:NotAuthorized")


def not_supported(operation: str) -> SoapFault:
    return SoapFault(
        500, "s:Receiver", ("ter:ActionNotSupported",), f"{operation} is not supported"
    )


def envelope(body: str) -> bytes:
    namespaces = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope {namespaces}>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def fault_body(fault: SoapFault) -> str:
    code = f"<s:Value>{fault.code}</s:Value>"
    subcodes = ""
    for subcode in reversed(fault.subcodes):
        subcodes = f"<s:Subcode><s:Value>{subcode}</s:Value>{subcodes}</s:Subcode>"
    return (
        f"<s:Fault><s:Code>{code}{subcodes}</s:Code>"
        f'<s:Reason><s:Text xml:lang="en">{escape(fault.reason)}</s:Text></s:Reason></s:Fault>'
    )


def escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def parse_request(document: bytes) -> tuple[ET.Element | None, ET.Element]:
    """(the wsse:Security header or None, the operation element of the body)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as error:
        raise sender_fault(f"malformed XML: {error}", "ter:WellFormed") from error
    if root.tag != f"{{{SOAP}}}Envelope":
        raise SoapFault(400, "s:VersionMismatch", (), "not a SOAP 1.2 envelope")
    body = root.find("s:Body", NS)
    if body is None or not len(body):
        raise sender_fault("no operation in the SOAP body", "ter:InvalidArgs")
    return root.find("s:Header/wsse:Security", NS), body[0]


class UsernameTokenChecker:
    """Checks WS-Security UsernameTokens against `users` (name -> password), with the
    device's clock `offset` seconds from the host's and a freshness `window`."""

    def __init__(self, users: dict[str, str], window: float = 300.0, offset: float = 0.0):
        self.users, self.window, self.offset = users, window, offset
        self._nonces: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=self.offset)

    def check(self, security: ET.Element | None) -> str:
        """The authenticated user name; SoapFault ter:NotAuthorized otherwise."""
        token = security.find("wsse:UsernameToken", NS) if security is not None else None
        if token is None:
            raise not_authorized()
        user = (token.findtext("wsse:Username", "", NS)).strip()
        password = token.find("wsse:Password", NS)
        nonce_text = token.findtext("wsse:Nonce", "", NS).strip()
        created = token.findtext("wsu:Created", "", NS).strip()
        if password is None or password.get("Type", DIGEST) != DIGEST:
            raise not_authorized("a password digest is required")
        if not nonce_text or not created:
            raise not_authorized("the token needs a Nonce and a Created time")
        try:
            nonce = base64.b64decode(nonce_text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise not_authorized("the Nonce is not base64") from error
        self._check_fresh(created)
        expected = self.users.get(user)
        if expected is None or not hmac.compare_digest(
            (password.text or "").strip(), password_digest(nonce, created, expected)
        ):
            raise not_authorized()
        self._check_new(nonce)
        return user

    def _check_fresh(self, created: str) -> None:
        try:
            when = datetime.datetime.fromisoformat(created)
        except ValueError as error:
            raise not_authorized("the Created time is not an ISO 8601 time") from error
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.UTC)
        if abs((self.now() - when).total_seconds()) > self.window:
            raise not_authorized("the Created time is outside the device's window")

    def _check_new(self, nonce: bytes) -> None:
        now = time.monotonic()
        with self._lock:
            self._nonces = {n: t for n, t in self._nonces.items() if now - t < 2 * self.window}
            if nonce in self._nonces:
                raise not_authorized("the Nonce was already used (replay)")
            self._nonces[nonce] = now


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """base64(SHA-1(nonce + created + password)), the UsernameToken profile's digest."""
    digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()  # noqa: S324
    return base64.b64encode(digest).decode()
