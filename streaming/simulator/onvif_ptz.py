"""The simulated camera's ONVIF PTZ service: GetPresets (opaque tokens, names),
GotoPreset, SetPreset (by token, or a new one by name), RemovePreset, AbsoluteMove,
ContinuousMove (with its Timeout), Stop, GetStatus (position and MoveStatus), on the
media profile that has the PTZ. Positions in ONVIF's generic spaces: pan and tilt in
[-1, 1], zoom in [0, 1]; speeds in [0, 1] of the head's top speed."""

from __future__ import annotations

import datetime
import re
import threading
import xml.etree.ElementTree as ET

from streaming.ptz.base import Position
from streaming.simulator.soap import NS, SoapFault, escape, sender_fault
from streaming.simulator.state import NamedPreset, PtzHead

PROFILES = ("sub_stream", "main_stream")  # only the main stream has the PTZ
PTZ_PROFILE = "main_stream"
MAX_PRESETS = 64
DEFAULT_TIMEOUT = 10.0  # seconds a ContinuousMove lasts without a Timeout
GENERIC = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
ZOOM_GENERIC = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"


class PtzService:
    """The PTZ operations, each answering one request's body; moves go to the head."""

    def __init__(self, head: PtzHead) -> None:
        self.head = head
        self._stop_timer: threading.Timer | None = None

    def get_presets(self, request: ET.Element) -> str:
        profile_of(request)
        presets = "".join(
            f'<tptz:Preset token="{escape(p.token)}"><tt:Name>{escape(p.name)}</tt:Name>'
            f"<tt:PTZPosition>{ptz_vector(p.position)}</tt:PTZPosition></tptz:Preset>"
            for p in self.head.named_presets
        )
        return f"<tptz:GetPresetsResponse>{presets}</tptz:GetPresetsResponse>"

    def goto_preset(self, request: ET.Element) -> str:
        profile_of(request)
        preset = self._preset(request.findtext("tptz:PresetToken", "", NS).strip())
        self.cancel_timeout()
        self.head.move_to(preset.position, _speed(request.find("tptz:Speed", NS)))
        return "<tptz:GotoPresetResponse/>"

    def set_preset(self, request: ET.Element) -> str:
        profile_of(request)
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
        profile_of(request)
        preset = self._preset(request.findtext("tptz:PresetToken", "", NS).strip())
        self.head.named_presets.remove(preset)
        return "<tptz:RemovePresetResponse/>"

    def absolute_move(self, request: ET.Element) -> str:
        profile_of(request)
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
        self.cancel_timeout()
        self.head.move(targets, _speed(request.find("tptz:Speed", NS)))
        return "<tptz:AbsoluteMoveResponse/>"

    def continuous_move(self, request: ET.Element) -> str:
        profile_of(request)
        velocity = request.find("tptz:Velocity", NS)
        velocities = _targets(velocity) if velocity is not None else {}
        if not velocities or any(abs(v) > 1 for v in velocities.values()):
            raise sender_fault(
                "a Velocity within [-1, 1] is needed", "ter:InvalidArgVal", "ter:InvalidVelocity"
            )
        timeout = _duration(request.findtext("tptz:Timeout", "", NS).strip()) or DEFAULT_TIMEOUT
        self.cancel_timeout()
        self.head.drive(velocities)
        self._stop_timer = threading.Timer(timeout, self.head.stop, args=(tuple(velocities),))
        self._stop_timer.daemon = True
        self._stop_timer.start()
        return "<tptz:ContinuousMoveResponse/>"

    def stop(self, request: ET.Element) -> str:
        profile_of(request)
        axes = tuple(
            axis
            for axis, element in (("pan", "PanTilt"), ("tilt", "PanTilt"), ("zoom", "Zoom"))
            if request.findtext(f"tptz:{element}", "true", NS).strip().lower() in ("true", "1")
        )
        self.cancel_timeout()
        self.head.stop(axes)
        return "<tptz:StopResponse/>"

    def get_status(self, request: ET.Element) -> str:
        profile_of(request)
        position, moving = self.head.position, self.head.axes_moving()
        pan_tilt = "MOVING" if moving["pan"] or moving["tilt"] else "IDLE"
        zoom = "MOVING" if moving["zoom"] else "IDLE"
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            "<tptz:GetStatusResponse><tptz:PTZStatus>"
            f"<tt:Position>{ptz_vector(position)}</tt:Position>"
            f"<tt:MoveStatus><tt:PanTilt>{pan_tilt}</tt:PanTilt><tt:Zoom>{zoom}</tt:Zoom>"
            f"</tt:MoveStatus><tt:UtcTime>{now}</tt:UtcTime>"
            "</tptz:PTZStatus></tptz:GetStatusResponse>"
        )

    def _preset(self, token: str) -> NamedPreset:
        for preset in self.head.named_presets:
            if preset.token == token:
                return preset
        raise sender_fault(f"no preset with token {token!r}", "ter:InvalidArgVal", "ter:NoToken")

    def cancel_timeout(self) -> None:
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None


def profile_of(request: ET.Element, prefix: str = "tptz", ptz: bool = True) -> str:
    """The request's ProfileToken, one of the camera's (with its PTZ, unless `ptz` is False)."""
    token = request.findtext(f"{prefix}:ProfileToken", "", NS).strip()
    if token not in PROFILES or (ptz and token != PTZ_PROFILE):
        raise sender_fault(
            f"no profile {token!r} with a PTZ configuration" if ptz else f"no profile {token!r}",
            "ter:InvalidArgVal",
            "ter:NoProfile" if token not in PROFILES else "ter:NoPTZProfile",
        )
    return token


def ptz_vector(position: Position) -> str:
    return (
        f'<tt:PanTilt x="{position.pan:.6f}" y="{position.tilt:.6f}" space="{GENERIC}"/>'
        f'<tt:Zoom x="{position.zoom:.6f}" space="{ZOOM_GENERIC}"/>'
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
