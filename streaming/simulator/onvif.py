"""The simulated camera's ONVIF device: device, media and PTZ services over SOAP 1.2.

Laid out as a real camera's (paths of a common make, not the ones a lazy client would
guess): the device service at the ONVIF entry point /onvif/device_service, media at
/onvif/Media, PTZ at /onvif/PTZ; clients find the last two with GetServices or
GetCapabilities. Every operation needs a valid WS-Security UsernameToken (soap.py),
except GetSystemDateAndTime, which ONVIF lets anyone read so that clients can set
their Created time by the camera's clock.

- Device: GetSystemDateAndTime, GetCapabilities, GetServices (a camera made with
  `services=False` answers it ActionNotSupported, as older ones do),
  GetDeviceInformation.
- Media: GetProfiles (a sub stream without PTZ first, then the main stream with its
  PTZ configuration), GetStreamUri (the camera's feed), GetSnapshotUri.
- PTZ: GetPresets (opaque tokens, names), GotoPreset, SetPreset (by token, or a new
  one by name), RemovePreset, AbsoluteMove, ContinuousMove (with its Timeout), Stop,
  GetStatus (position and MoveStatus). Positions in ONVIF's generic spaces: pan and
  tilt in [-1, 1], zoom in [0, 1]; speeds in [0, 1] of the head's top speed.

Bad requests get the SOAP fault ONVIF specifies: ter:InvalidArgVal with ter:NoProfile,
ter:NoToken, ter:InvalidPosition, ter:PresetExist..., ter:ActionNotSupported for an
unknown operation, ter:NotAuthorized for credentials.
"""

from __future__ import annotations

import datetime
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from streaming.ptz.base import Position
from streaming.simulator.soap import (
    DEVICE,
    MEDIA,
    NS,
    PTZ,
    SoapFault,
    UsernameTokenChecker,
    envelope,
    escape,
    fault_body,
    not_supported,
    parse_request,
    sender_fault,
)
from streaming.simulator.state import NamedPreset, PtzHead

PATHS = {"/onvif/device_service": DEVICE, "/onvif/Media": MEDIA, "/onvif/PTZ": PTZ}
PRE_AUTH = {"GetSystemDateAndTime"}
PROFILES = ("sub_stream", "main_stream")  # only the main stream has the PTZ
PTZ_PROFILE = "main_stream"
MAX_PRESETS = 64
DEFAULT_TIMEOUT = 10.0  # seconds a ContinuousMove lasts without a Timeout
GENERIC = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
ZOOM_GENERIC = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"


class OnvifDevice:
    """What the device answers, apart from HTTP: one `answer(path, document)`."""

    def __init__(
        self,
        head: PtzHead,
        *,
        base_url: str,
        users: dict[str, str],
        stream_uri: str,
        name: str = "Simulated camera",
        services: bool = True,
        window: float = 300.0,
        clock_offset: float = 0.0,
    ):
        self.head, self.base_url, self.stream_uri, self.name = head, base_url, stream_uri, name
        self.services = services
        self.auth = UsernameTokenChecker(users, window=window, offset=clock_offset)
        self._stop_timer: threading.Timer | None = None
        self._operations: dict[tuple[str, str], Callable[[ET.Element], str]] = {
            (DEVICE, "GetSystemDateAndTime"): self.get_system_date_and_time,
            (DEVICE, "GetCapabilities"): self.get_capabilities,
            (DEVICE, "GetServices"): self.get_services,
            (DEVICE, "GetDeviceInformation"): self.get_device_information,
            (MEDIA, "GetProfiles"): self.get_profiles,
            (MEDIA, "GetStreamUri"): self.get_stream_uri,
            (MEDIA, "GetSnapshotUri"): self.get_snapshot_uri,
            (PTZ, "GetPresets"): self.get_presets,
            (PTZ, "GotoPreset"): self.goto_preset,
            (PTZ, "SetPreset"): self.set_preset,
            (PTZ, "RemovePreset"): self.remove_preset,
            (PTZ, "AbsoluteMove"): self.absolute_move,
            (PTZ, "ContinuousMove"): self.continuous_move,
            (PTZ, "Stop"): self.stop,
            (PTZ, "GetStatus"): self.get_status,
        }

    def answer(self, path: str, document: bytes) -> str:
        """The SOAP body answering one request; SoapFault when it cannot be served."""
        security, request = parse_request(document)
        namespace, _, operation = request.tag[1:].partition("}")
        service = PATHS.get(path)
        handler = self._operations.get((namespace, operation))
        if service is None or namespace != service or handler is None:
            raise not_supported(operation or request.tag)
        if operation not in PRE_AUTH:
            self.auth.check(security)
        return handler(request)

    # Device service

    def get_system_date_and_time(self, request: ET.Element) -> str:
        now = self.auth.now()
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
            "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>"
            f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
            f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
            f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date>"
            "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def get_capabilities(self, request: ET.Element) -> str:
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"<tt:Device><tt:XAddr>{self.base_url}/onvif/device_service</tt:XAddr></tt:Device>"
            f"<tt:Media><tt:XAddr>{self.base_url}/onvif/Media</tt:XAddr>"
            "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>"
            "<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
            "</tt:StreamingCapabilities></tt:Media>"
            f"<tt:PTZ><tt:XAddr>{self.base_url}/onvif/PTZ</tt:XAddr></tt:PTZ>"
            "</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def get_services(self, request: ET.Element) -> str:
        if not self.services:
            raise not_supported("GetServices")
        entries = "".join(
            f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace>"
            f"<tds:XAddr>{self.base_url}{path}</tds:XAddr>"
            f"<tds:Version><tt:Major>{major}</tt:Major><tt:Minor>{minor}</tt:Minor></tds:Version>"
            "</tds:Service>"
            for path, namespace, major, minor in (
                ("/onvif/device_service", DEVICE, 2, 60),
                ("/onvif/Media", MEDIA, 2, 60),
                ("/onvif/PTZ", PTZ, 2, 60),
            )
        )
        return f"<tds:GetServicesResponse>{entries}</tds:GetServicesResponse>"

    def get_device_information(self, request: ET.Element) -> str:
        return (
            "<tds:GetDeviceInformationResponse><tds:Manufacturer>Séance</tds:Manufacturer>"
            f"<tds:Model>Simulated PTZ ({escape(self.name)})</tds:Model>"
            "<tds:FirmwareVersion>2.0</tds:FirmwareVersion>"
            f"<tds:SerialNumber>SIM-{abs(hash(self.base_url)) % 10**8:08d}</tds:SerialNumber>"
            "<tds:HardwareId>SIM-PTZ</tds:HardwareId></tds:GetDeviceInformationResponse>"
        )

    # Media service

    def get_profiles(self, request: ET.Element) -> str:
        profiles = []
        for token in PROFILES:
            ptz = (
                '<tt:PTZConfiguration token="ptz_configuration"><tt:Name>PTZ</tt:Name>'
                "<tt:UseCount>1</tt:UseCount><tt:NodeToken>ptz_node</tt:NodeToken>"
                "</tt:PTZConfiguration>"
                if token == PTZ_PROFILE
                else ""
            )
            profiles.append(
                f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{token}</tt:Name>{ptz}'
                "</trt:Profiles>"
            )
        return f"<trt:GetProfilesResponse>{''.join(profiles)}</trt:GetProfilesResponse>"

    def get_stream_uri(self, request: ET.Element) -> str:
        self._profile(request, "trt", ptz=False)
        if request.find("trt:StreamSetup/tt:Transport/tt:Protocol", NS) is None:
            raise sender_fault("StreamSetup needs a transport protocol", "ter:InvalidArgVal")
        return f"<trt:GetStreamUriResponse>{_media_uri(self.stream_uri)}</trt:GetStreamUriResponse>"

    def get_snapshot_uri(self, request: ET.Element) -> str:
        self._profile(request, "trt", ptz=False)
        uri = f"{self.base_url}/onvif/snapshot.jpg"
        return f"<trt:GetSnapshotUriResponse>{_media_uri(uri)}</trt:GetSnapshotUriResponse>"

    # PTZ service

    def get_presets(self, request: ET.Element) -> str:
        self._profile(request)
        presets = "".join(
            f'<tptz:Preset token="{escape(p.token)}"><tt:Name>{escape(p.name)}</tt:Name>'
            f"<tt:PTZPosition>{_vector(p.position)}</tt:PTZPosition></tptz:Preset>"
            for p in self.head.named_presets
        )
        return f"<tptz:GetPresetsResponse>{presets}</tptz:GetPresetsResponse>"

    def goto_preset(self, request: ET.Element) -> str:
        self._profile(request)
        preset = self._preset(request.findtext("tptz:PresetToken", "", NS).strip())
        self._cancel_timeout()
        self.head.move_to(preset.position, _speed(request.find("tptz:Speed", NS)))
        return "<tptz:GotoPresetResponse/>"

    def set_preset(self, request: ET.Element) -> str:
        self._profile(request)
        token = request.findtext("tptz:PresetToken", "", NS).strip()
        name = request.findtext("tptz:PresetName", "", NS).strip()
        presets = self.head.named_presets
        if name and any(p.name == name and p.token != token for p in presets):
            raise sender_fault(
                f"a preset is already named {name!r}", "ter:InvalidArgVal", "ter:PresetExist"
            )
        if token:
            preset = self._preset(token)
            preset.position, preset.name = self.head.position, name or preset.name
        else:
            if len(presets) >= MAX_PRESETS:
                raise SoapFault(
                    500,
                    "s:Receiver",
                    ("ter:Action", "ter:TooManyPresets"),
                    "no room for another preset",
                )
            preset = NamedPreset(
                self.head.new_token(), name or f"Preset {len(presets) + 1}", self.head.position
            )
            presets.append(preset)
        return (
            f"<tptz:SetPresetResponse><tptz:PresetToken>{escape(preset.token)}</tptz:PresetToken>"
            "</tptz:SetPresetResponse>"
        )

    def remove_preset(self, request: ET.Element) -> str:
        self._profile(request)
        preset = self._preset(request.findtext("tptz:PresetToken", "", NS).strip())
        self.head.named_presets.remove(preset)
        return "<tptz:RemovePresetResponse/>"

    def absolute_move(self, request: ET.Element) -> str:
        self._profile(request)
        position = request.find("tptz:Position", NS)
        if position is None:
            raise sender_fault("AbsoluteMove needs a Position", "ter:InvalidArgVal")
        targets = _targets(position)
        if not targets:
            raise sender_fault("the Position has neither PanTilt nor Zoom", "ter:InvalidArgVal")
        if not (
            all(-1 <= targets.get(a, 0) <= 1 for a in ("pan", "tilt"))
            and 0 <= targets.get("zoom", 0) <= 1
        ):
            raise sender_fault(
                "position out of the generic space", "ter:InvalidArgVal", "ter:InvalidPosition"
            )
        self._cancel_timeout()
        self.head.move(targets, _speed(request.find("tptz:Speed", NS)))
        return "<tptz:AbsoluteMoveResponse/>"

    def continuous_move(self, request: ET.Element) -> str:
        self._profile(request)
        velocity = request.find("tptz:Velocity", NS)
        velocities = _targets(velocity) if velocity is not None else {}
        if not velocities or any(abs(v) > 1 for v in velocities.values()):
            raise sender_fault(
                "a Velocity within [-1, 1] is needed", "ter:InvalidArgVal", "ter:InvalidVelocity"
            )
        timeout = _duration(request.findtext("tptz:Timeout", "", NS).strip()) or DEFAULT_TIMEOUT
        self._cancel_timeout()
        self.head.drive(velocities)
        self._stop_timer = threading.Timer(timeout, self.head.stop, args=(tuple(velocities),))
        self._stop_timer.daemon = True
        self._stop_timer.start()
        return "<tptz:ContinuousMoveResponse/>"

    def stop(self, request: ET.Element) -> str:
        self._profile(request)
        axes = tuple(
            axis
            for axis, element in (("pan", "PanTilt"), ("tilt", "PanTilt"), ("zoom", "Zoom"))
            if request.findtext(f"tptz:{element}", "true", NS).strip().lower() in ("true", "1")
        )
        self._cancel_timeout()
        self.head.stop(axes)
        return "<tptz:StopResponse/>"

    def get_status(self, request: ET.Element) -> str:
        self._profile(request)
        position, moving = self.head.position, self.head.axes_moving()
        pan_tilt = "MOVING" if moving["pan"] or moving["tilt"] else "IDLE"
        zoom = "MOVING" if moving["zoom"] else "IDLE"
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            "<tptz:GetStatusResponse><tptz:PTZStatus>"
            f"<tt:Position>{_vector(position)}</tt:Position>"
            f"<tt:MoveStatus><tt:PanTilt>{pan_tilt}</tt:PanTilt><tt:Zoom>{zoom}</tt:Zoom>"
            f"</tt:MoveStatus><tt:UtcTime>{now}</tt:UtcTime>"
            "</tptz:PTZStatus></tptz:GetStatusResponse>"
        )

    def _profile(self, request: ET.Element, prefix: str = "tptz", ptz: bool = True) -> str:
        token = request.findtext(f"{prefix}:ProfileToken", "", NS).strip()
        if token not in PROFILES or (ptz and token != PTZ_PROFILE):
            raise sender_fault(
                f"no profile {token!r} with a PTZ configuration"
                if ptz
                else f"no profile {token!r}",
                "ter:InvalidArgVal",
                "ter:NoProfile" if token not in PROFILES else "ter:NoPTZProfile",
            )
        return token

    def _preset(self, token: str) -> NamedPreset:
        for preset in self.head.named_presets:
            if preset.token == token:
                return preset
        raise sender_fault(f"no preset with token {token!r}", "ter:InvalidArgVal", "ter:NoToken")

    def _cancel_timeout(self) -> None:
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None


def _vector(position: Position) -> str:
    return (
        f'<tt:PanTilt x="{position.pan:.6f}" y="{position.tilt:.6f}" space="{GENERIC}"/>'
        f'<tt:Zoom x="{position.zoom:.6f}" space="{ZOOM_GENERIC}"/>'
    )


def _media_uri(uri: str) -> str:
    return (
        f"<trt:MediaUri><tt:Uri>{escape(uri)}</tt:Uri>"
        "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
        "</trt:MediaUri>"
    )


def _targets(vector: ET.Element) -> dict[str, float]:
    """{"pan", "tilt", "zoom"} from a PTZVector or PTZSpeed's tt:PanTilt and tt:Zoom."""
    values: dict[str, float] = {}
    try:
        pan_tilt, zoom = vector.find("tt:PanTilt", NS), vector.find("tt:Zoom", NS)
        if pan_tilt is not None:
            values["pan"], values["tilt"] = (
                float(pan_tilt.get("x", "")),
                float(pan_tilt.get("y", "")),
            )
        if zoom is not None:
            values["zoom"] = float(zoom.get("x", ""))
    except ValueError as error:
        raise sender_fault("PanTilt needs x and y, Zoom needs x", "ter:InvalidArgVal") from error
    return values


def _speed(element: ET.Element | None) -> dict[str, float] | float:
    """Per-axis fractions of the top speed from a tptz:Speed, full speed without one."""
    if element is None:
        return 1.0
    speeds = {axis: max(0.01, min(1.0, abs(v))) for axis, v in _targets(element).items()}
    return speeds or 1.0


def _duration(text: str) -> float | None:
    """Seconds of an xs:duration such as PT1S, PT0.5S, PT1M30S (None when absent)."""
    if not text:
        return None
    found = re.fullmatch(r"P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text)
    if found is None:
        raise sender_fault(f"bad duration {text!r}", "ter:InvalidArgVal")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


class OnvifServer:
    """The ONVIF device on HTTP host:port."""

    def __init__(self, head: PtzHead, port: int, host: str = "127.0.0.1", **device: object):
        self.device = OnvifDevice(head, base_url=f"http://{host}:{port}", **device)  # type: ignore[arg-type]
        handler = type("Handler", (_Handler,), {"device": self.device})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"onvif-{port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.device._cancel_timeout()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=2)


class _Handler(BaseHTTPRequestHandler):
    device: OnvifDevice

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path not in PATHS:
            self.send_error(404)
            return
        document = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            status, body = 200, self.device.answer(self.path, document)
        except SoapFault as fault:
            status, body = fault.status, fault_body(fault)
        except Exception as error:  # a simulator must keep answering
            status, body = 500, fault_body(SoapFault(500, "s:Receiver", (), str(error)))
        payload = envelope(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass
