"""Writes to the camera registry that ask the camera itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from streaming.ptz import camera_driver
from streaming.ptz.base import PtzError
from streaming.ptz.onvif import OnvifDriver

if TYPE_CHECKING:
    from streaming.models import Camera


def camera_feed_discover(*, camera: Camera) -> str:
    """Set the camera's feed URL to the one its ONVIF media service gives for its PTZ
    profile (GetStreamUri); PtzError, and nothing written, when it cannot tell."""
    if camera.protocol != camera.Protocol.ONVIF:
        raise PtzError(f"{camera.name}: only an ONVIF camera tells its feed")
    driver = camera_driver(camera)
    assert isinstance(driver, OnvifDriver)
    try:
        uri = driver.stream_uri()
    finally:
        driver.close()
    if not uri or len(uri) > camera._meta.get_field("feed_url").max_length:  # type: ignore[operator]
        raise PtzError(f"{camera.name}: the camera gave an unusable feed URL")
    camera.feed_url = uri
    camera.save(update_fields=["feed_url"])
    return uri
