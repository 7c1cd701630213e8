"""A client of S²LOW's HTTP API for ACTES (the tiers de télétransmission), authenticated
by the collectivity's client TLS certificate.

Followed from S²LOW's own code (ADULLACT/Libriciel, `public.ssl/modules/actes/`):
`actes_transac_create.php` (POST, multipart, `api=1`: answers "OK\\n<transaction id>" or
"KO\\n<reason>"), `actes_transac_get_status.php?transaction=<id>` ("OK\\n<status>\\n"
followed, at status 4 "Acquittement reçu", by the ARActe XML; -1 is an error, with its
message) and `api/list_actes.php` (JSON, the collectivity's transactions by status), used
to find an act whose creation answer was lost. Messages come in ISO-8859-1.
"""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from ..models import PrefectureLink

CREATE = "/modules/actes/actes_transac_create.php"
STATUS = "/modules/actes/actes_transac_get_status.php"
LIST = "/modules/actes/api/list_actes.php"

# actes_status, as S²LOW numbers them.
ERROR, POSTED, WAITING, SENT, ACKNOWLEDGED = -1, 1, 2, 3, 4
REFUSED_STATUSES = {-1: "Erreur", 0: "Annulé", 6: "Refusé"}


class Unreachable(Exception):
    """S²LOW did not answer (network, TLS, timeout, a 5xx): try again later."""


class Refused(Exception):
    """S²LOW answered KO: the act as sent will not be accepted; the reason is S²LOW's."""


@dataclass
class Status:
    code: int
    message: str
    aracte: str  # the ARActe XML at status 4, else ""


@dataclass
class File:
    field: str
    name: str
    content: bytes
    content_type: str = "application/pdf"


def _context(link: PrefectureLink) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=link.ca_path or None)
    context.load_cert_chain(link.certificate_path, link.key_path or None)
    return context


def _multipart(fields: list[tuple[str, str]], files: list[File]) -> tuple[bytes, str]:
    boundary = "seance-" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for f in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{f.field}"; '
            f'filename="{f.name}"\r\nContent-Type: {f.content_type}\r\n\r\n'
        )
        parts.append(head.encode() + f.content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _request(
    link: PrefectureLink, method: str, path: str, body: bytes | None = None, ctype: str = ""
) -> str:
    url = urlsplit(link.base_url)
    prefix = url.path.rstrip("/")
    try:
        conn = http.client.HTTPSConnection(
            url.hostname or "",
            url.port or 443,
            context=_context(link),
            timeout=settings.SEANCE_S2LOW_TIMEOUT,
        )
        try:
            headers = {"Content-Type": ctype} if ctype else {}
            conn.request(method, prefix + path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("iso-8859-1")
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable(_("S²LOW unreachable: %(error)s") % {"error": exc}) from exc
    if response.status >= 500 or response.status in (408, 429):
        raise Unreachable(_("S²LOW answered HTTP %(status)s") % {"status": response.status})
    if response.status >= 400:
        raise Refused(
            _("HTTP %(status)s: %(text)s") % {"status": response.status, "text": text.strip()[:300]}
        )
    return text


def _lines(text: str) -> tuple[str, list[str]]:
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[0].strip(), lines[1:]


def act_create(link: PrefectureLink, fields: list[tuple[str, str]], files: list[File]) -> str:
    """Post one act; its S²LOW transaction id."""
    body, ctype = _multipart([("api", "1"), *fields], files)
    verdict, rest = _lines(_request(link, "POST", CREATE, body, ctype))
    message = "\n".join(rest).strip()
    if verdict != "OK":
        raise Refused(message or "KO")
    transaction = message.split("\n")[0].strip()
    if not transaction.isdigit():
        raise Unreachable(_("Unexpected answer from S²LOW: %(text)s") % {"text": message[:200]})
    return transaction


def act_status(link: PrefectureLink, transaction: str) -> Status:
    text = _request(link, "GET", STATUS + "?" + urlencode({"transaction": transaction}))
    verdict, rest = _lines(text)
    if verdict != "OK" or not rest or not rest[0].strip().lstrip("-").isdigit():
        raise Refused("\n".join(rest).strip() or "KO")
    code = int(rest[0].strip())
    tail = "\n".join(rest[1:]).strip()
    if code == ACKNOWLEDGED:
        return Status(code, "", tail)
    return Status(code, tail, "")


def act_find(link: PrefectureLink, number: str) -> str | None:
    """The transaction id of the collectivity's act with this number, if S²LOW has one
    (an earlier try whose answer was lost)."""
    for status in (POSTED, WAITING, SENT, ACKNOWLEDGED, ERROR):
        query = urlencode({"status_id": status, "offset": 0, "limit": 1000})
        found = json.loads(_request(link, "GET", f"{LIST}?{query}") or "{}")
        for row in found.get("transactions", []):
            if str(row.get("number")) == number:
                return str(row["id"])
    return None
