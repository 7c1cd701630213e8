"""A S²LOW simulator: a real HTTPS server on a free port that speaks the part of S²LOW's
ACTES API that Séance uses, as strictly as the platform, for the demo and the tests.

Like S²LOW, it authenticates the collectivity by its client TLS certificate (issued by
the authority the simulator trusts; the certificate's common name names the
collectivity); without one the TLS handshake fails. It answers in S²LOW's own words
(`actes_transac_create.php`, `actes_transac_get_status.php`, `api/list_actes.php`; see
sessions/prefecture/client.py), refuses what S²LOW refuses (a missing or unknown matter
code, a nature that is not one of ACTES' six or does not match the act's typology, a
number outside `^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$`, a file that is not a PDF, a
decision dated in the future, a number already used by the collectivity), and
acknowledges an act (status 4, with an ARActe) after a set number of status requests.

It counts every creation request by act number, so that a test can see an act was never
sent twice, and can be made unreachable (`down`) or made to lose its next answer.
"""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import json
import re
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from ..models.actes import LEVEL_2

NUMBER = re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$")
ACTES_NS = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
# ACTES' natures, the letters of the act identifier, and the typology of the act's file.
NATURES = {"1": "DE", "2": "AR", "3": "AI", "4": "CC", "5": "BF", "6": "AU"}
TYPOLOGY = {"1": "99_DE", "2": "99_AR", "3": "99_AI", "4": "99_DC", "5": "99_BU", "6": "99_AU"}
ANNEX_TYPES = {"99_AU", "22_AN"}


@dataclass
class Authority:
    siren: str
    department: str  # 3 characters, e.g. "038"


@dataclass
class Act:
    id: int
    authority: str
    number: str
    nature: str
    matter: str
    decision_date: str
    subject: str
    files: list[tuple[str, str, int]]  # field, name, size
    polls: int = 0
    status: int = 1
    received_on: str = ""


@dataclass
class State:
    authorities: dict[str, Authority]
    acknowledge_after: int = 1
    down: bool = False
    lose_next_answer: bool = False
    acts: dict[int, Act] = field(default_factory=dict)
    submissions: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], list[Any]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    fields: dict[str, list[str]] = {}
    files: list[Any] = []
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            files.append((name, part.get_filename(), content))
        else:
            fields.setdefault(str(name), []).append(content.decode("utf-8", "replace"))
    return fields, files


def _refusal(form: dict[str, list[str]], files: list[Any]) -> str | None:
    """What S²LOW would refuse in this act, in its words; None if it accepts it."""
    one = {k: v[0] for k, v in form.items() if v}
    nature = one.get("nature_code", "")
    if nature not in NATURES:
        return "La nature de l'acte est invalide."
    c1, c2 = one.get("classif1", ""), one.get("classif2", "")
    if not c1:
        return "La classification matières/sous-matières est obligatoire."
    if f"{c1}.{c2}" not in LEVEL_2:
        return f"La classification {c1}.{c2} n'existe pas dans la nomenclature de la collectivité."
    if not NUMBER.match(one.get("number", "")):
        return "Le numéro n'est pas correct"
    try:
        decided = datetime.date.fromisoformat(one.get("decision_date", ""))
    except ValueError:
        return "La date de décision est invalide."
    if decided > datetime.date.today():
        return "La date de décision est une date dans le futur"
    subject = one.get("subject", "").strip()
    if not subject or len(subject) > 499:
        return "L'objet de l'acte est obligatoire (499 caractères au plus)."
    acts = [f for f in files if f[0] == "acte_pdf_file"]
    if not acts:
        return "Aucun fichier acte n'a été posté "
    typology = one.get("type_acte", "")
    if not typology:
        return f"Erreur lors de la réception du fichier {acts[0][1]} : typologie absente"
    if typology != TYPOLOGY[nature]:
        return f"La typologie {typology} ne correspond pas à la nature de l'acte ({nature})."
    for _field, name, content in files:
        if not content.startswith(b"%PDF-"):
            return f"Erreur de validation du fichier {name} : le fichier n'est pas un PDF."
    annexes = [f for f in files if f[0] == "acte_attachments[]"]
    types = form.get("type_pj[]", [])
    if len(types) < len(annexes) or any(t not in ANNEX_TYPES for t in types):
        return "Erreur lors de la réception du fichier annexe : typologie absente"
    return None


def aracte(act: Act, authority: Authority) -> str:
    """The prefecture's acknowledgement of receipt (ARActe), as @ctes writes it."""
    act_id = (
        f"{authority.department}-{authority.siren}-{act.decision_date.replace('-', '')}"
        f"-{act.number}-{NATURES[act.nature]}"
    )
    c1, c2 = act.matter.split(".")
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        f'<actes:ARActe xmlns:actes="{ACTES_NS}" actes:DateReception="{act.received_on}" '
        f'actes:IDActe="{act_id}">'
        f'<actes:ActeRecu actes:CodeNatureActe="{act.nature}" actes:Date="{act.decision_date}" '
        f'actes:NumeroInterne="{act.number}">'
        f'<actes:CodeMatiere1 actes:CodeMatiere="{c1}"/>'
        f'<actes:CodeMatiere2 actes:CodeMatiere="{c2}"/>'
        f"<actes:Objet>{escape(act.subject)}</actes:Objet>"
        "</actes:ActeRecu>"
        f"<actes:ClassificationDateVersion>{datetime.date.today().year}-01-01"
        "</actes:ClassificationDateVersion></actes:ARActe>"
    )


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        self.request.do_handshake()  # no client certificate from the trusted authority: fails
        super().setup()

    def _authority(self) -> str | None:
        cert = self.connection.getpeercert()
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName" and value in self.server.state.authorities:
                    return str(value)
        return None

    def _send(self, text: str, status: int = 200, ctype: str = "text/plain") -> None:
        body = text.encode("iso-8859-1", "replace")
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=ISO-8859-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _gate(self) -> str | None:
        if self.server.state.down:
            self._send("Service indisponible", status=503)
            return None
        who = self._authority()
        if who is None:
            self._send("KO\nÉchec de l'authentification\n")
        return who

    def do_POST(self) -> None:
        who = self._gate()
        if who is None:
            return
        if urlsplit(self.path).path != "/modules/actes/actes_transac_create.php":
            self._send("Not found", status=404)
            return
        size = int(self.headers.get("Content-Length") or 0)
        form, files = _parse_form(self.headers.get("Content-Type", ""), self.rfile.read(size))
        answer = self._create(who, form, files)
        if self.server.state.lose_next_answer:
            self.server.state.lose_next_answer = False
            self.close_connection = True  # the act is recorded; its answer is lost
            return
        self._send(answer)

    def _create(self, who: str, form: dict[str, list[str]], files: list[Any]) -> str:
        state = self.server.state
        number = (form.get("number") or [""])[0]
        with state.lock:
            state.submissions[number] += 1
            if (form.get("api") or [""])[0] != "1":
                return "KO\nAppel hors API\n"
            reason = _refusal(form, files)
            if reason is None and any(
                a.number == number and a.authority == who for a in state.acts.values()
            ):
                reason = (
                    "Un acte portant le même numéro interne existe déjà dans la base de "
                    "données.\nIl faut peut-être ajouter un suffixe au numéro."
                )
            if reason is not None:
                return f"KO\n{reason}\n"
            one = {k: v[0] for k, v in form.items() if v}
            act = Act(
                id=len(state.acts) + 1,
                authority=who,
                number=number,
                nature=one["nature_code"],
                matter=f"{one['classif1']}.{one['classif2']}",
                decision_date=one["decision_date"],
                subject=one["subject"].strip(),
                files=[(f, n, len(c)) for f, n, c in files],
            )
            state.acts[act.id] = act
            return f"OK\n{act.id}\n"

    def do_GET(self) -> None:
        who = self._gate()
        if who is None:
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/modules/actes/actes_transac_get_status.php":
            self._send(self._status(who, query.get("transaction", "")))
        elif url.path == "/modules/actes/api/list_actes.php":
            self._send(self._list(who, query), ctype="application/json")
        else:
            self._send("Not found", status=404)

    def _status(self, who: str, transaction: str) -> str:
        state = self.server.state
        with state.lock:
            act = state.acts.get(int(transaction)) if transaction.isdigit() else None
            if act is None or act.authority != who:
                return "KO\nNuméro de transaction invalide.\n"
            act.polls += 1
            if act.status != 4 and act.polls > state.acknowledge_after:
                act.status, act.received_on = 4, datetime.date.today().isoformat()
            elif act.status == 1:
                act.status = 3
            if act.status == 4:
                return f"OK\n4\n{aracte(act, state.authorities[who])}"
            return f"OK\n{act.status}\n"

    def _list(self, who: str, query: dict[str, str]) -> str:
        status = int(query.get("status_id") or 0)
        with self.server.state.lock:
            rows = [
                {"id": a.id, "number": a.number, "subject": a.subject}
                for a in self.server.state.acts.values()
                if a.authority == who and a.status == status
            ]
        return json.dumps({"status_id": status, "transactions": rows})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State, context: ssl.SSLContext):
        super().__init__(address, Handler)
        self.state = state
        self.context = context

    def get_request(self) -> tuple[Any, Any]:
        """TLS on each connection, its handshake in the connection's own thread (Handler
        .setup), so that a client that never completes it holds up no one else."""
        sock, addr = super().get_request()
        sock.settimeout(10)
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a refused handshake (no certificate) is the client's failure, not ours


class S2lowSimulator:
    """Start with `start()` (or as a context manager); `url`, `state` for the test."""

    def __init__(
        self,
        *,
        server_cert: str,
        server_key: str,
        client_ca: str,
        authorities: dict[str, Authority],
        acknowledge_after: int = 1,
    ) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server_cert, server_key)
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED  # like S²LOW: no certificate, no access
        self.state = State(authorities=authorities, acknowledge_after=acknowledge_after)
        self.server = Server(("127.0.0.1", 0), self.state, context)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The address it listens at, not "localhost", which a root without /etc/hosts
        (a fresh Debian) does not resolve: its certificate must name 127.0.0.1."""
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> S2lowSimulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> S2lowSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["Authority", "S2lowSimulator", "aracte"]
