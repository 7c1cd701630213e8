"""The simulated camera's ONVIF PTZ service: SOAP 1.2 over HTTP at /onvif/ptz_service.

Answers GotoPreset, SetPreset, AbsoluteMove and GetStatus for profile "profile_1";
anything else (unknown operation, unreadable XML, unknown preset) gets a SOAP Fault
with HTTP 400 (sender's fault) or 500 (receiver's).
"""

from __future__ import annotations

import datetime
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from streaming.ptz.base import Position
from streaming.ptz.onvif import (
    NS,
    PROFILE,
    PTZ,
    SERVICE_PATH,
    envelope,
    parse_position,
    position_xml,
)
from streaming.simulator.state import PtzHead


class SoapFault(Exception):
    def __init__(self, status: int, code: str, reason: str):
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason


class OnvifServer:
    def __init__(self, head: PtzHead, port: int, host: str = "127.0.0.1"):
        self.head = head
        handler = type("Handler", (_Handler,), {"head": head})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"onvif-{port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=2)


def answer(head: PtzHead, document: bytes) -> str:
    """The SOAP body answering one request; SoapFault when it cannot be served."""
    try:
        body = ET.fromstring(document).find("s:Body", NS)
    except ET.ParseError as error:
        raise SoapFault(400, "s:Sender", f"malformed XML: {error}") from error
    request = body[0] if body is not None and len(body) else None
    if request is None or not request.tag.startswith(f"{{{PTZ}}}"):
        raise SoapFault(400, "s:Sender", "no PTZ operation in the SOAP body")
    operation = request.tag.split("}", 1)[1]
    if request.findtext("tptz:ProfileToken", namespaces=NS) != PROFILE:
        raise SoapFault(400, "s:Sender", "unknown profile token")
    if operation == "GetStatus":
        return _status(head)
    if operation == "AbsoluteMove":
        target = parse_position(request.find("tptz:Position", NS))
        if target is None:
            raise SoapFault(400, "s:Sender", "AbsoluteMove without PanTilt and Zoom")
        head.move_to(target)
    elif operation in ("GotoPreset", "SetPreset"):
        token = (request.findtext("tptz:PresetToken", namespaces=NS) or "").strip()
        slot = int(token) if token.isdigit() else -1
        if slot not in head.presets:
            raise SoapFault(400, "s:Sender", f"no such preset {token!r}")
        head.recall(slot) if operation == "GotoPreset" else head.store(slot)
        if operation == "SetPreset":
            token = f"<tptz:PresetToken>{slot}</tptz:PresetToken>"
            return f"<tptz:SetPresetResponse>{token}</tptz:SetPresetResponse>"
    else:
        raise SoapFault(400, "s:Sender", f"operation {operation} not supported")
    return f"<tptz:{operation}Response/>"


def _status(head: PtzHead) -> str:
    position: Position = head.position
    state = "MOVING" if position != head.target else "IDLE"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "<tptz:GetStatusResponse><tptz:PTZStatus>"
        f"<tt:Position>{position_xml(position)}</tt:Position>"
        f"<tt:MoveStatus><tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom></tt:MoveStatus>"
        f"<tt:UtcTime>{now}</tt:UtcTime>"
        "</tptz:PTZStatus></tptz:GetStatusResponse>"
    )


def fault_body(fault: SoapFault) -> str:
    return (
        f"<s:Fault><s:Code><s:Value>{fault.code}</s:Value></s:Code>"
        f'<s:Reason><s:Text xml:lang="en">{_escape(fault.reason)}</s:Text></s:Reason></s:Fault>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Handler(BaseHTTPRequestHandler):
    head: PtzHead

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != SERVICE_PATH:
            self.send_error(404)
            return
        document = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, body = 200, answer(self.head, document)
        except SoapFault as fault:
            status, body = fault.status, fault_body(fault)
        except Exception as error:  # a simulator must keep answering
            status, body = 500, fault_body(SoapFault(500, "s:Receiver", str(error)))
        payload = envelope(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass
