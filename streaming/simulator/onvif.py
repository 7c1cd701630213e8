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

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from streaming.simulator.onvif_ptz import PROFILES, PTZ_PROFILE, PtzService, profile_of
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
from streaming.simulator.state import PtzHead

PATHS = {"/onvif/device_service": DEVICE, "/onvif/Media": MEDIA, "/onvif/PTZ": PTZ}
PRE_AUTH = {"GetSystemDateAndTime"}


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
        self.ptz = PtzService(head)
        self._operations: dict[tuple[str, str], Callable[[ET.Element], str]] = {
            (DEVICE, "GetSystemDateAndTime"): self.get_system_date_and_time,
            (DEVICE, "GetCapabilities"): self.get_capabilities,
            (DEVICE, "GetServices"): self.get_services,
            (DEVICE, "GetDeviceInformation"): self.get_device_information,
            (MEDIA, "GetProfiles"): self.get_profiles,
            (MEDIA, "GetStreamUri"): self.get_stream_uri,
            (MEDIA, "GetSnapshotUri"): self.get_snapshot_uri,
            (PTZ, "GetPresets"): self.ptz.get_presets,
            (PTZ, "GotoPreset"): self.ptz.goto_preset,
            (PTZ, "SetPreset"): self.ptz.set_preset,
            (PTZ, "RemovePreset"): self.ptz.remove_preset,
            (PTZ, "AbsoluteMove"): self.ptz.absolute_move,
            (PTZ, "ContinuousMove"): self.ptz.continuous_move,
            (PTZ, "Stop"): self.ptz.stop,
            (PTZ, "GetStatus"): self.ptz.get_status,
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
        profile_of(request, "trt", ptz=False)
        if request.find("trt:StreamSetup/tt:Transport/tt:Protocol", NS) is None:
            raise sender_fault("StreamSetup needs a transport protocol", "ter:InvalidArgVal")
        return f"<trt:GetStreamUriResponse>{_media_uri(self.stream_uri)}</trt:GetStreamUriResponse>"

    def get_snapshot_uri(self, request: ET.Element) -> str:
        profile_of(request, "trt", ptz=False)
        uri = f"{self.base_url}/onvif/snapshot.jpg"
        return f"<trt:GetSnapshotUriResponse>{_media_uri(uri)}</trt:GetSnapshotUriResponse>"


def _media_uri(uri: str) -> str:
    return (
        f"<trt:MediaUri><tt:Uri>{escape(uri)}</tt:Uri>"
        "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
        "</trt:MediaUri>"
    )


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
        self.device.ptz.cancel_timeout()
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
