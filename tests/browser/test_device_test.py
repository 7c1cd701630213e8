"""The device test in real Chromium with its fake camera and microphone: the preview has
frames, the level meter moves with the fake microphone's beep, the connection check gives
its figures and verdict."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def test_device_test_shows_camera_microphone_and_connection(live_url, media_browser):
    member = off_loop(lambda: f.councillors(f.assembly(members=3))[0])
    context = media_browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    context.grant_permissions(["camera", "microphone"])
    page = context.new_page()
    login(page, live_url, member.user.username)
    page.goto(f"{live_url}/visio/test/")
    expect(page.locator("h1")).to_have_text("Tester ma caméra et mon micro")
    page.click("#device-start")
    page.wait_for_function(
        "() => document.getElementById('device-preview').videoWidth > 0", timeout=15_000
    )
    expect(page.locator("#device-camera-result")).to_have_text("Fonctionne.")
    expect(page.locator("#device-microphone-result")).to_have_text("Fonctionne.", timeout=15_000)
    expect(page.locator("#device-camera option")).not_to_have_count(0)
    expect(page.locator("#device-rtt")).to_contain_text("ms")
    expect(page.locator("#device-speed")).to_contain_text("Mbit/s")
    expect(page.locator("#device-verdict")).to_have_attribute("data-verdict", "good")
    expect(page.locator("#device-webrtc")).to_have_text("Oui")
    page.click("#device-tone")
    shoot(page, "device-test")
    # Bad input to the probe: a clear 400.
    response = page.request.get(f"{live_url}/visio/probe/?bytes=99999999")
    assert response.status == 400 and "octets" in response.text()
    context.close()
