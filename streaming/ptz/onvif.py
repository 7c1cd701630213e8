"""ONVIF PTZ over SOAP 1.2 / HTTP, the four operations a council needs.

The PTZ service is at http://host:port/onvif/ptz_service and the media profile is
"profile_1"; presets are named by their slot number ("0", "1", ...). Positions use
ONVIF's generic spaces, which are already normalised: pan/tilt in [-1, 1], zoom in
[0, 1]. No WS-Security: cameras on the chamber's control network accept anonymous
PTZ calls, or the driver must be given a proxy that adds the credentials.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

from streaming.ptz.base import Position, PtzError, split_address

SOAP = "http://www.w3.org/2003/05/soap-envelope"
PTZ = "http://www.onvif.org/ver20/ptz/wsdl"
SCHEMA = "http://www.onvif.org/ver10/schema"
SERVICE_PATH = "/onvif/ptz_service"
PROFILE = "profile_1"
NS = {"s": SOAP, "tptz": PTZ, "tt": SCHEMA}


def envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}" xmlns:tptz="{PTZ}" xmlns:tt="{SCHEMA}">'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def position_xml(position: Position) -> str:
    p = position.clamped()
    return f'<tt:PanTilt x="{p.pan:.6f}" y="{p.tilt:.6f}"/><tt:Zoom x="{p.zoom:.6f}"/>'


def parse_position(element: ET.Element | None) -> Position | None:
    """A Position from an element holding tt:PanTilt and tt:Zoom children."""
    if element is None:
        return None
    pan_tilt, zoom = element.find("tt:PanTilt", NS), element.find("tt:Zoom", NS)
    if pan_tilt is None or zoom is None:
        return None
    return Position(
        float(pan_tilt.get("x", "0")), float(pan_tilt.get("y", "0")), float(zoom.get("x", "0"))
    )


class OnvifDriver:
    """An ONVIF camera's PTZ service at "host:port"."""

    def __init__(self, address: str, timeout: float = 2.0, profile: str = PROFILE):
        host, port = split_address(address)
        self.address = address
        self.timeout = timeout
        self.profile = profile
        self.url = f"http://{host}:{port}{SERVICE_PATH}"

    def recall(self, slot: int) -> None:
        self._call("GotoPreset", f"<tptz:PresetToken>{int(slot)}</tptz:PresetToken>")

    def store(self, slot: int) -> None:
        self._call("SetPreset", f"<tptz:PresetToken>{int(slot)}</tptz:PresetToken>")

    def move_to(self, position: Position) -> None:
        self._call("AbsoluteMove", f"<tptz:Position>{position_xml(position)}</tptz:Position>")

    def position(self) -> Position:
        found = parse_position(self._status().find("tt:Position", NS))
        if found is None:
            raise PtzError(f"ONVIF camera {self.address}: GetStatus reply without a position")
        return found

    def moving(self) -> bool:
        status = self._status().find("tt:MoveStatus", NS)
        if status is None:
            return False
        return any((child.text or "").strip() == "MOVING" for child in status)

    def close(self) -> None:
        pass

    def _status(self) -> ET.Element:
        reply = self._call("GetStatus", "")
        status = reply.find("tptz:PTZStatus", NS)
        if status is None:
            raise PtzError(f"ONVIF camera {self.address}: GetStatus reply without PTZStatus")
        return status

    def _call(self, operation: str, inner: str) -> ET.Element:
        """POST one operation; its <Operation>Response element, or PtzError."""
        token = f"<tptz:ProfileToken>{self.profile}</tptz:ProfileToken>"
        body = f"<tptz:{operation}>{token}{inner}</tptz:{operation}>"
        request = urllib.request.Request(
            self.url,
            data=envelope(body),
            headers={
                "Content-Type": f'application/soap+xml; charset=utf-8; action="{PTZ}/{operation}"'
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                document = response.read()
        except urllib.error.HTTPError as error:
            raise PtzError(
                f"ONVIF camera {self.address} refused {operation}: {_fault(error.read())}"
            ) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise PtzError(
                f"ONVIF camera {self.address} unreachable ({operation}): {reason}"
            ) from error
        try:
            found = ET.fromstring(document).find(f"s:Body/tptz:{operation}Response", NS)
        except ET.ParseError as error:
            raise PtzError(f"ONVIF camera {self.address}: unreadable {operation} reply") from error
        if found is None:
            raise PtzError(f"ONVIF camera {self.address}: no {operation}Response in the reply")
        return found


def _fault(document: bytes) -> str:
    try:
        text = ET.fromstring(document).find("s:Body/s:Fault/s:Reason/s:Text", NS)
    except ET.ParseError:
        return "HTTP error"
    return text.text or "SOAP fault" if text is not None else "HTTP error"
