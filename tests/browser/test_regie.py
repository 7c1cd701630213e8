"""The technician's control room in real Chromium, on the real programme: the previews
show the cameras, a click cuts, a camera on air that loses its feed gives way to the wide
shot (and the régie says so), a citizen's player plays the programme meanwhile, and a
broadcast whose runner is gone reads as interrupted, not live."""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from streaming.hls import hls_dir
from streaming.lease import Owner
from streaming.models import Broadcast, Camera
from streaming.runner import BroadcastRunner
from streaming.services import broadcast_start
from tests import factories as f
from tests.streaming.media import close_to, picture, wait_for

from .conftest import off_loop, shoot
from .pages import login, stop_runner, until

pytestmark = [pytest.mark.browser]


def test_the_technician_cuts_from_the_control_room(cameras, live_url, new_page):
    def prepare():
        a = f.assembly(members=5, population=1_000)
        s = f.in_session(a, present=5)
        for n, feed in enumerate(cameras, start=1):
            Camera.objects.create(room=s.place, name=feed.name, feed_url=feed.url, position=n)
        technician = f.staff(a, role="technician")
        return s, technician, broadcast_start(sitting=s, user=technician)

    sitting, technician, broadcast = off_loop(prepare)
    runner = BroadcastRunner(broadcast.pk, worker="browser-test")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        page = new_page()
        login(page, live_url, technician.username)
        page.goto(f"{live_url}/broadcast/sittings/{sitting.id}/")
        expect(page.locator("#broadcast-state")).to_have_text("En direct", timeout=30_000)
        first, second = page.locator(".preview").nth(0), page.locator(".preview").nth(1)
        expect(first.locator(".on-air")).to_be_visible()
        expect(second.locator(".on-air")).to_be_hidden()
        # The previews are the cameras' key frames (the ingests' first ones may take a while
        # on a loaded machine: the page asks again every second).
        page.wait_for_function(
            "() => [...document.querySelectorAll('.preview img')]"
            ".every(i => i.naturalWidth === 320)",
            timeout=45_000,
        )

        second.get_by_role("button", name="Couper dessus").click()
        expect(second.locator(".on-air")).to_be_visible()
        expect(first.locator(".on-air")).to_be_hidden()
        off_loop(wait_for, lambda: close_to(picture(hls_dir(sitting.id)), (0, 255, 0)), 10)

        # The camera on air loses its feed: the wide shot stands in, and the régie says so.
        cameras[1].stop()
        expect(first.locator(".on-air")).to_be_visible(timeout=15_000)
        expect(second.locator(".on-air")).to_be_hidden()
        expect(page.locator("#direction-state")).to_contain_text(
            "Tribune a perdu son signal : Plan large est à l’antenne jusqu’à son retour."
        )
        off_loop(wait_for, lambda: close_to(picture(hls_dir(sitting.id)), (255, 0, 0)), 10)
        cameras[1].start()
        expect(second.locator(".on-air")).to_be_visible(timeout=40_000)
        expect(page.locator("#direction-state")).not_to_contain_text("perdu son signal")

        page.select_option("#slate-select", "suspended")
        page.locator("#slate-select + button").click()
        expect(page.locator(".preview .on-air")).to_have_count(2)  # both marks exist...
        expect(page.locator(".preview .on-air:visible")).to_have_count(0)  # ...none on air

        page.fill("#lt-name", "x" * 121)  # the field's own limit stops it in the browser
        assert len(page.input_value("#lt-name")) == 120
        shoot(page, "regie")

        # Meanwhile a citizen plays the programme on the public page.
        viewer = new_page()
        viewer.goto(f"{live_url}/sittings/{sitting.id}/")
        start = until(viewer, "v.currentTime > 0.5 ? v.currentTime : 0", timeout=30)
        time.sleep(10.5)
        played = viewer.evaluate("document.getElementById('programme').currentTime") - start
        assert played > 9, f"the programme advanced only {played:.1f} s in 10.5 s"
        page.goto(f"{live_url}/broadcast/sittings/{sitting.id}/health/")
        expect(page.locator("#health-viewers")).to_have_text("1")
        expect(page.locator("#health-inputs tr")).to_have_count(2)
        expect(page.locator("#health-inputs tr").first).to_contain_text("Plan large")
        shoot(page, "stream-health")

        # The runner's process gone (a worker killed): interrupted, not "Live".
        stop_runner(broadcast, thread)
        off_loop(
            lambda: Broadcast.objects.filter(pk=broadcast.pk).update(
                state=Broadcast.State.LIVE, worker=dead_owner(), heartbeat_at=timezone.now()
            )
        )
        interrupted = "Interrompue : aucun worker de diffusion ne la prend en charge"
        expect(page.locator("#health-state")).to_have_text(interrupted, timeout=10_000)
        page.goto(f"{live_url}/broadcast/sittings/{sitting.id}/")
        expect(page.locator("#broadcast-state")).to_have_text(interrupted)
        expect(page.get_by_role("button", name="Arrêter la diffusion")).to_be_enabled()
    finally:
        stop_runner(broadcast, thread)


def dead_owner() -> str:
    """The name a runner of this host had, in a process that has ended since."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return str(Owner(socket.gethostname(), ended.pid, "1", 1))
