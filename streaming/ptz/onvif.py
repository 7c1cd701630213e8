"""ONVIF PTZ, spoken as real cameras expect it, through onvif-zeep-async.

The library (the ONVIF client Home Assistant uses, with the ONVIF WSDLs it ships)
signs every request with a WS-Security UsernameToken (PasswordDigest = base64(SHA-1(
nonce + created + password)), a fresh Nonce, Created in UTC "Z" form), reads the
camera's clock first (GetSystemDateAndTime, the one call ONVIF allows without
credentials) so that Created is in the camera's time, and finds the services with
GetServices, or GetCapabilities on older cameras: no service path is assumed but the
ONVIF entry point /onvif/device_service. The driver then takes the media profile that
has a PTZ configuration (GetProfiles), and the presets' tokens from GetPresets:
Séance's preset numbers (slots) are matched to the camera's presets by name (the
registry's label, e.g. "Place 12"), never used as tokens. Positions are ONVIF's
generic spaces, already normalised: pan/tilt in [-1, 1], zoom in [0, 1].

The library is asyncio-only; the direction calls drivers from plain threads, so every
driver runs its calls on one shared event loop in a daemon thread, each bounded by
`timeout` (the first connection, which parses the WSDLs, by `connect_timeout`).
The password is handed to the library (held until then only in the closure that makes
the client): never in a plain attribute, the repr or a message, and never logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from streaming.ptz.base import Position, PtzError, split_address

logger = logging.getLogger(__name__)

T = TypeVar("T")
STREAM_SETUP = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}


@dataclass(frozen=True)
class Preset:
    """A preset as the camera lists it: its opaque token, its name, where it looks."""

    token: str
    name: str
    position: Position | None


class _Loop:
    """One asyncio loop in a daemon thread, shared by every ONVIF driver of a process
    (made again in a forked child, a Celery worker's, where the thread is gone)."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None
    _pid = 0

    @classmethod
    def get(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None or cls._loop.is_closed() or cls._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="onvif-loop", daemon=True).start()
                cls._loop, cls._pid = loop, os.getpid()
            return cls._loop


class OnvifDriver:
    """An ONVIF camera at "host:port" (its HTTP port), with the camera's own account.

    `preset_names` maps Séance's preset numbers to the names of the camera's presets;
    `profile` forces a media profile token (otherwise the first with PTZ)."""

    def __init__(
        self,
        address: str,
        timeout: float = 5.0,
        *,
        username: str = "",
        password: str = "",
        preset_names: dict[int, str] | None = None,
        profile: str | None = None,
        connect_timeout: float = 30.0,
    ):
        self.address = address
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self.username = username
        self.preset_names = dict(preset_names or {})
        self.profile = profile
        self._host, self._port = split_address(address)
        self._camera: Any = None
        self._media: Any = None
        self._ptz: Any = None
        self._connecting = threading.Lock()
        self._new_camera: Callable[[], Any] = lambda: _camera(
            self._host, self._port, username, password
        )

    def __repr__(self) -> str:
        return f"<OnvifDriver {self.address} user={self.username or '-'}>"

    # What the direction and the régie use

    def recall(self, slot: int) -> None:
        preset = self._preset_named(self._name(slot))
        if preset is None:
            raise PtzError(f"ONVIF camera {self.address} has no preset named {self._name(slot)!r}")
        self._ptz_call("GotoPreset", {"PresetToken": preset.token})

    def store(self, slot: int) -> None:
        """Overwrite the camera's preset of that name, or make a new one named so."""
        name = self._name(slot)
        preset = self._preset_named(name)
        request = {"PresetName": name} | ({"PresetToken": preset.token} if preset else {})
        self._ptz_call("SetPreset", request)

    def move_to(self, position: Position) -> None:
        p = position.clamped()
        vector = {"PanTilt": {"x": p.pan, "y": p.tilt}, "Zoom": {"x": p.zoom}}
        self._ptz_call("AbsoluteMove", {"Position": vector})

    def drive(self, pan: float = 0.0, tilt: float = 0.0, zoom: float = 0.0) -> None:
        """ContinuousMove at fractions of the top speeds (right, up, tele positive)."""
        velocity = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        self._ptz_call("ContinuousMove", {"Velocity": velocity})

    def stop(self) -> None:
        self._ptz_call("Stop", {"PanTilt": True, "Zoom": True})

    def position(self) -> Position:
        found = _position(getattr(self._status(), "Position", None))
        if found is None:
            raise PtzError(f"ONVIF camera {self.address}: GetStatus reply without a position")
        return found

    def moving(self) -> bool:
        status = getattr(self._status(), "MoveStatus", None)
        states = (getattr(status, "PanTilt", None), getattr(status, "Zoom", None))
        return any(str(state).upper() == "MOVING" for state in states if state is not None)

    def presets(self) -> list[Preset]:
        """The camera's presets (GetPresets)."""
        found = self._ptz_call("GetPresets", {}) or []
        return [
            Preset(str(p.token), str(p.Name or ""), _position(getattr(p, "PTZPosition", None)))
            for p in found
        ]

    def stream_uri(self) -> str:
        """The camera's feed for the programme (GetStreamUri of the PTZ profile)."""
        self._connect()
        reply = self._run(
            self._media.GetStreamUri({"StreamSetup": STREAM_SETUP, "ProfileToken": self.profile}),
            "GetStreamUri",
        )
        return str(reply.Uri)

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                self._run(camera.close(), "close")
            except PtzError as error:
                logger.debug("closing %r: %s", self, error)

    # The connection and the calls

    def _name(self, slot: int) -> str:
        name = self.preset_names.get(slot)
        if not name:
            raise PtzError(
                f"ONVIF camera {self.address}: preset {slot} has no name in the registry "
                "(ONVIF presets are recalled by name)"
            )
        return name

    def _preset_named(self, name: str) -> Preset | None:
        return next((p for p in self.presets() if p.name == name), None)

    def _status(self) -> Any:
        return self._ptz_call("GetStatus", {})

    def _ptz_call(self, operation: str, request: dict[str, Any]) -> Any:
        self._connect()
        method = getattr(self._ptz, operation)
        return self._run(method({"ProfileToken": self.profile} | request), operation)

    def _connect(self) -> None:
        with self._connecting:
            if self._camera is None:
                self._camera, self._media, self._ptz, self.profile = self._run(
                    self._discover(), "connection", self.connect_timeout
                )

    async def _discover(self) -> tuple[Any, Any, Any, str]:
        """The services (GetServices or GetCapabilities), the PTZ profile (GetProfiles)."""
        camera = self._new_camera()
        try:
            await camera.update_xaddrs()
            media = await camera.create_media_service()
            ptz = await camera.create_ptz_service()
            profiles = await media.GetProfiles()
        except BaseException:
            await camera.close()
            raise
        with_ptz = [p.token for p in profiles if getattr(p, "PTZConfiguration", None)]
        if self.profile is not None and self.profile not in with_ptz:
            await camera.close()
            raise PtzError(f"ONVIF camera {self.address} has no PTZ profile {self.profile!r}")
        if not with_ptz:
            await camera.close()
            raise PtzError(f"ONVIF camera {self.address} has no media profile with PTZ")
        return camera, media, ptz, self.profile or str(with_ptz[0])

    def _run(
        self, call: Awaitable[T] | Coroutine[Any, Any, T], what: str, timeout: float | None = None
    ) -> T:
        """Run one call on the shared loop, bounded; every failure as a PtzError."""
        limit = timeout or self.timeout
        future = asyncio.run_coroutine_threadsafe(_bounded(call, limit), _Loop.get())
        try:
            return future.result(limit + 1)
        except PtzError:
            raise
        except Exception as error:
            future.cancel()
            raise _ptz_error(self.address, what, error, limit) from error


async def _bounded(call: Awaitable[T], limit: float) -> T:
    return await asyncio.wait_for(call, limit)


def _camera(host: str, port: int, username: str, password: str) -> Any:
    from onvif import ONVIFCamera  # imported late: it reads its WSDL folder at import

    return ONVIFCamera(host, port, username, password, adjust_time=True, no_cache=True)


def _position(vector: Any) -> Position | None:
    pan_tilt, zoom = getattr(vector, "PanTilt", None), getattr(vector, "Zoom", None)
    if pan_tilt is None or zoom is None:
        return None
    return Position(float(pan_tilt.x), float(pan_tilt.y), float(zoom.x))


def _ptz_error(address: str, what: str, error: Exception, limit: float) -> PtzError:
    """A clear message for the régie and the logs (the camera's own words for a fault)."""
    # The ONVIF client's package reads its WSDL folder at import (see _camera): imported
    # once a camera has failed, not by every process that imports the PTZ drivers.
    from onvif.exceptions import ONVIFError
    from zeep.exceptions import Fault, TransportError

    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return PtzError(f"ONVIF camera {address}: no answer to {what} within {limit:g} s")
    cause = error.__cause__ if isinstance(error, ONVIFError) and error.__cause__ else error
    if isinstance(cause, Fault):
        subcodes = " ".join(str(code) for code in cause.subcodes or ())
        if "NotAuthorized" in subcodes:
            return PtzError(
                f"ONVIF camera {address} refused {what}: not authorised "
                "(check the camera's user name and password in the registry)"
            )
        return PtzError(f"ONVIF camera {address} refused {what}: {cause.message}")
    if isinstance(cause, TransportError):
        return PtzError(f"ONVIF camera {address} refused {what}: HTTP {cause.status_code}")
    return PtzError(f"ONVIF camera {address} unreachable ({what}): {cause}")
