"""What the browser tests do on a page, shared by them: log in, act through a socket,
open the chair's desk, join the video, wait on the player, stop a broadcast's runner."""

from __future__ import annotations

import re
import threading
import time

from playwright.sync_api import expect

from streaming.models import Broadcast
from tests import factories as f

from .a11y import DESKTOP
from .conftest import off_loop


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


# An action sent through a person's own socket, in Daphne, once its first snapshot came:
# its events then reach the other pages through the channel layer of the server itself
# (Redis or in memory alike).
ACT = """async ([path, payload]) => {
  const ws = new WebSocket("ws://" + location.host + path);
  let sent = false;
  const answer = await new Promise((resolve) => {
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "sittings.snapshot" && !sent) {
        sent = true;
        ws.send(JSON.stringify({...payload, ref: "page-act"}));
      }
      else if ((m.type === "ack" || m.type === "error") && m.ref === "page-act") resolve(m);
    };
    setTimeout(() => resolve({type: "timeout"}), 8000);
  });
  ws.close();
  return answer;
}"""


def act(page, sitting, surface: str, **payload):
    """`payload` sent as an action through `page`'s own socket to the sitting's `surface`
    (chair, seat): its acknowledgement."""
    answer = page.evaluate(ACT, [f"/ws/sittings/{sitting.pk}/{surface}/", payload])
    assert answer["type"] == "ack", answer
    return answer


def desk(new_page, live_url, sitting, user, viewport=DESKTOP):
    page = new_page()
    page.set_viewport_size(viewport)
    login(page, live_url, user.username)
    page.goto(f"{live_url}/chair/sittings/{sitting.id}/")
    expect(page.locator("#live-connection")).to_have_text("En direct")
    return page


def joined(browser, live_url, username, sitting_id):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1000, "height": 800})
    context.grant_permissions(["camera", "microphone"])
    page = context.new_page()
    login(page, live_url, username)
    page.goto(f"{live_url}/visio/sittings/{sitting_id}/")
    page.click("#visio-join-button")
    # "Connecté." for the chair; "Connecté, micro fermé : …" for a councillor.
    expect(page.locator("#visio-status")).to_have_text(re.compile(r"^Connecté"))
    return page


def until(page, expression: str, timeout: float = 20):
    """Poll `expression` (about the video `v`) until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(
            f"(() => {{ const v = document.getElementById('programme'); return {expression}; }})()"
        )
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"still false after {timeout} s: {expression}")


def stop_runner(broadcast: Broadcast, thread: threading.Thread) -> None:
    if thread.is_alive():
        off_loop(
            lambda: Broadcast.objects.filter(pk=broadcast.pk).update(state=Broadcast.State.STOPPING)
        )
        thread.join(30)
    assert not thread.is_alive()
