"""The régie at the pace of a sitting (issue 15), in Chromium, on the real programme: a cut
shows at once as under way on the camera asked for, then "On air" when the runner reports
it; a closed session says what the public sees and which camera is held; protected
speech says the sound is cut; a camera without signal says why, and a cut to it is rolled
back with the reason. At the close the régie follows the closing slate to the end of the
broadcast, and a citizen's public page turns into the sitting's record, with the replay's
link once it is built."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from sessions import services as sittings
from streaming.models import Camera
from streaming.runner import BroadcastRunner
from streaming.services import broadcast_start
from tests import factories as f

from .conftest import off_loop, shoot
from .pages import login, stop_runner

pytestmark = [pytest.mark.browser]

N = "\u00a0"  # French typography: before « : ; ! ? » and inside guillemets

# Installed before a click: when the camera's "Cutting…" mark and its "On air" mark first
# show, in ms since the click itself (window.marks).
WATCH_MARKS = """(index) => {
  const figure = document.querySelectorAll('.preview')[index];
  let clicked = null;
  window.marks = {};
  document.addEventListener('click', () => { clicked ??= performance.now(); }, true);
  const look = () => {
    if (clicked === null) return;
    const at = performance.now() - clicked;
    if (!figure.querySelector('.cut-pending').hidden && window.marks.pending === undefined)
      window.marks.pending = at;
    if (!figure.querySelector('.on-air').hidden && window.marks.onAir === undefined)
      window.marks.onAir = at;
  };
  new MutationObserver(look).observe(figure, { subtree: true, attributes: true });
}"""


@pytest.fixture(autouse=True)
def closing_slate(settings):
    settings.SEANCE_CLOSING_SLATE_SECONDS = 8  # room for a loaded machine


def no_horizontal_scroll(page) -> bool:
    """Once the page has laid itself out again at its new width."""
    page.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth")
    return True


def test_the_regie_follows_the_programme_to_the_close(cameras, live_url, new_page):
    def prepare():
        a = f.assembly(members=7, population=1_000)
        s = f.in_session(a, present=7)
        for n, feed in enumerate(cameras, start=1):
            Camera.objects.create(room=s.place, name=feed.name, feed_url=feed.url, position=n)
        technician = f.staff(a, role="technician")
        return s, f.chair(a), technician, broadcast_start(sitting=s, user=technician)

    sitting, chair, technician, broadcast = off_loop(prepare)
    runner = BroadcastRunner(broadcast.pk, worker="browser-test")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        page = new_page()
        login(page, live_url, technician.username)
        page.goto(f"{live_url}/broadcast/sittings/{sitting.id}/")
        expect(page.locator("#broadcast-state")).to_have_text("En direct", timeout=30_000)
        title = page.locator("#programme-title")
        lines = page.locator("#programme-lines")
        expect(title).to_have_text(f"À l’antenne{N}: Plan large.", timeout=15_000)
        first, second = page.locator(".preview").nth(0), page.locator(".preview").nth(1)
        expect(first.locator(".on-air")).to_be_visible()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.preview img')].every(i => i.naturalWidth)",
            timeout=20_000,
        )

        # Both feeds steady (while a feed is still arriving, another camera stands in).
        expect(page.locator(".preview .camera-reason")).to_have_text(["", ""], timeout=20_000)
        expect(second.locator(".on-air")).to_be_hidden()
        # A cut: under way at once on the camera asked for, on air within the report.
        page.evaluate(WATCH_MARKS, 1)
        second.get_by_role("button", name="Couper dessus").click()
        expect(second.locator(".on-air")).to_be_visible(timeout=5_000)
        marks = page.evaluate("() => window.marks")
        assert marks["pending"] < 100, marks
        assert marks["pending"] < marks["onAir"] < 3_000, marks
        expect(second.locator(".cut-pending")).to_be_hidden()
        expect(first.locator(".on-air")).to_be_hidden()
        expect(page.locator("#regie-done")).to_have_text("Tribune est à l’antenne.")
        expect(title).to_have_text(f"À l’antenne{N}: Tribune.")

        # A closed session: what the public sees, which camera is held, none on air.
        off_loop(f.closed_session, sitting, [chair], 7)
        closed = (
            f"Huis clos{N}: le public voit la mire «{N}Huis clos{N}: la retransmission est"
            f" interrompue{N}», sans le son."
        )
        expect(title).to_have_text(closed, timeout=5_000)
        expect(lines).to_contain_text(f"Caméra tenue sous la mire{N}: Plan large (rien n’en sort).")
        expect(page.locator("#programme-state")).to_have_attribute("data-kind", "closed_session")
        expect(first.locator(".held")).to_be_visible()
        expect(page.locator(".preview .on-air:visible")).to_have_count(0)
        # A cut under the slate is held there, not put on air.
        second.get_by_role("button", name="Couper dessus").click()
        expect(page.locator("#regie-done")).to_have_text(
            f"Tribune est tenue sous la mire{N}: elle passera à l’antenne quand la mire"
            " sera levée.",
            timeout=5_000,
        )
        expect(second.locator(".held")).to_be_visible()
        shoot(page, "regie-closed-session")
        off_loop(sittings.closed_session_leave, sitting=sitting, user=None)
        expect(title).to_have_text(f"À l’antenne{N}: Tribune.", timeout=5_000)  # the one held

        # Protected speech (R33): the régie says the sound is cut, since when and why.
        page.fill("#protected-reason", "Situation d’un agent")
        page.click("#protected-on")
        expect(lines).to_contain_text("Parole protégée", timeout=5_000)
        expect(lines).to_contain_text("(Situation d’un agent).")
        page.click("#protected-off")
        expect(lines).not_to_contain_text("Parole protégée", timeout=5_000)

        # A camera without signal says why; a cut to it is rolled back with the reason.
        cameras[1].stop()
        expect(second.locator(".camera-reason")).to_contain_text("Pas de signal", timeout=15_000)
        second.get_by_role("button", name="Couper dessus").click()
        expect(page.locator("#regie-error")).to_have_text(
            f"Tribune n’a pas de signal{N}: Plan large reste à l’antenne, et la coupe se fera"
            " à son retour.",
            timeout=5_000,
        )
        expect(first.locator(".on-air")).to_be_visible()
        shoot(page, "regie-no-signal")
        cameras[1].start()
        expect(second.locator(".on-air")).to_be_visible(timeout=40_000)
        expect(second.locator(".camera-reason")).to_have_text("")
        expect(page.locator("#regie-error")).to_have_text("")  # no longer so

        # A citizen follows on the public page; the chair closes the sitting from the desk
        # (through the server's own socket: the citizen's page hears it on any channel
        # layer, the in-memory one of a machine without Redis included).
        citizen = new_page()
        citizen.goto(f"{live_url}/sittings/{sitting.id}/")
        expect(citizen.locator("#live-connection")).to_have_text("En direct", timeout=10_000)
        expect(citizen.locator("#sitting-record")).to_be_hidden()
        desk = new_page()
        login(desk, live_url, chair.user.username)
        desk.goto(f"{live_url}/chair/sittings/{sitting.id}/")
        expect(desk.locator("#live-connection")).to_have_text("En direct", timeout=10_000)
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.get_by_role("button", name="Clore la séance").click()
        expect(title).to_have_text(
            f"Séance levée{N}: la mire «{N}Séance levée{N}» est à l’antenne, puis la diffusion"
            " s’arrête.",
            timeout=15_000,
        )
        record = citizen.locator("#sitting-record")
        expect(record).to_be_visible(timeout=10_000)
        expect(record.locator("h2")).to_have_text("La séance est levée")
        expect(citizen.locator("#live-connection")).to_be_hidden()
        expect(citizen.locator("#programme")).to_be_hidden()
        expect(citizen.locator("#live-current-item")).to_be_hidden()
        expect(record.get_by_test_id("record-archive")).to_be_visible()
        # The broadcast ends by itself after its slate; the replay is built, and its link
        # comes to the page that stayed open.
        expect(title).to_have_text(f"Séance levée{N}: la diffusion est terminée.", timeout=60_000)
        expect(lines).to_contain_text(f"Rediffusion{N}: prête.", timeout=60_000)
        thread.join(60)
        assert not thread.is_alive()
        expect(record.get_by_role("link", name="Voir la rediffusion")).to_be_visible(timeout=30_000)
        assert "En direct" not in citizen.locator("main").inner_text()
        expect(page.get_by_role("button", name="Lancer la diffusion")).to_be_disabled()
        shoot(page, "regie-after-close")
        shoot(citizen, "public-record")
        citizen.set_viewport_size({"width": 390, "height": 844})
        assert no_horizontal_scroll(citizen)
        shoot(citizen, "public-record-phone")
        page.set_viewport_size({"width": 390, "height": 844})
        assert no_horizontal_scroll(page)
        shoot(page, "regie-after-close-phone")
    finally:
        stop_runner(broadcast, thread)
