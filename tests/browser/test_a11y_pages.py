"""Every page a person uses, in real Chromium at 1280 px and at 390 px (a phone): axe-core
(vendored from npm, tests/browser/a11y.py) finds no violation of any impact, and the page
is no wider than the window. The demo's councils give real names and lengths: Ingeville's
sitting of this morning (closed, its minutes on an agenda, a replay), its next sitting
(here opened and under way) and Ingeco's sitting (convened, not yet open)."""

from __future__ import annotations

import io
import subprocess

import imageio_ffmpeg
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from council.models import Assembly
from sessions import services
from sessions.models import ConvocationRecipient, Sitting
from sessions.services import screens
from streaming.models import Replay, Transcript, TranscriptSegment
from streaming.replay import replay_file
from tests import factories as f
from tests.browser.page_survey import Visit, survey
from voting import services as voting

from .a11y import (
    DESKTOP,
    PHONE,
)
from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]


def demo_sittings() -> dict[str, int | str]:
    """The demo, its next Ingeville sitting opened with everyone present, its first
    deliberation taken up and an electronic vote on it under way (5 ballots in), and a
    published replay (a 3-second film) of the morning's sitting."""
    # Without the demo's heard replay (its transcription takes a while; the replay page
    # with real captions is tests/browser/test_replay_captions.py's): a 3-second one here.
    call_command("seance_demo", replay=False, stdout=io.StringIO())
    ville = Assembly.objects.get(slug="ingeville")
    held = Sitting.objects.get(assembly=ville, state="closed")
    live = Sitting.objects.filter(assembly=ville, state="convened").get()
    later = Sitting.objects.filter(assembly=ville, state="draft").order_by("-id").first()
    agglo = Sitting.objects.get(assembly__slug="ingeco", state="convened")
    members = list(ville.members.order_by("id"))
    f.arrive(live, members)
    services.secretary_name(sitting=live, member=members[1], user=None)
    services.sitting_open(sitting=live, user=None, open_anyway=True, reason="essai")
    item = live.items.filter(kind="deliberation").order_by("position").first()
    services.item_take_up(sitting=live, item=item, user=None)
    vote = voting.vote_open(item=item, kind="electronic", user=None)  # 5 ballots in
    for n, m in enumerate(members[2:7]):
        voting.ballot_cast(vote=vote, voter=m, choice="for", client_id=f"a11y-ballot-{n}")

    items = list(held.items.order_by("position"))
    replay = Replay.objects.create(
        sitting=held,
        state=Replay.State.READY,
        duration=3,
        sha256="a11y" * 16,
        chapters=[
            {"start": n, "end": n + 1, "title": f"{i.position}. {i.title}"}
            for n, i in enumerate(items[:3])
        ],
    )
    film = replay_file(replay)
    film.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=3"),
            *("-f", "lavfi", "-i", "sine=frequency=440:duration=3"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"),
            str(film),
        ],
        check=True,
    )
    replay.size = film.stat().st_size
    replay.save(update_fields=["size"])
    transcript = Transcript.objects.create(
        replay=replay, replay_sha256=replay.sha256, state=Transcript.State.READY, duration=3
    )
    for n, item in enumerate(items[:3]):
        TranscriptSegment.objects.create(
            transcript=transcript,
            start=n,
            end=n + 1,
            text="Je propose au conseil d'adopter la délibération relative à " + item.title,
            member=members[n + 1],
            speaker=members[n + 1].full_name,
            item=item,
            item_title=item.title,
        )
    token = ConvocationRecipient.objects.filter(convocation__sitting=live).first().token
    clerk = User.objects.get(username="greffe")
    _, screen = screens.screen_issue(assembly=ville, label="Écran de la salle", user=clerk)
    return {
        "ville": ville.pk,
        "held": held.pk,
        "live": live.pk,
        "later": later.pk if later else live.pk,
        "agglo": agglo.pk,
        "ack": token,
        "screen": screen,
    }


def pages(ids) -> list[Visit]:
    """The pages this helper's templates make, and the ones other parts of the project own
    but that a person reaches from them (the régie, the minutes, the error page)."""
    return [
        Visit("login", None, "/login/"),
        Visit("home", None, "/"),
        Visit("home-councillor", "conseiller12", "/"),
        Visit("my-sittings", "conseiller12", "/my/sittings/"),
        Visit("archive", None, "/archive/"),
        Visit("archive-assembly", None, "/archive/ingeville/"),
        Visit("archive-sitting", None, f"/archive/sittings/{ids['held']}/"),
        Visit("replay", None, f"/archive/sittings/{ids['held']}/replay/"),
        Visit("replay-clerk", "greffe", f"/archive/sittings/{ids['held']}/replay/"),
        Visit("embed", None, f"/embed/sittings/{ids['live']}/"),
        Visit("ack", None, f"/convocations/ack/{ids['ack']}/"),
        Visit("device-test", "conseiller12", "/visio/test/"),
        Visit("visio", "conseiller12", f"/visio/sittings/{ids['live']}/"),
        Visit("clerk-list", "greffe", "/clerk/"),
        Visit("clerk-new", "greffe", f"/clerk/assemblies/{ids['ville']}/sittings/new/"),
        Visit("clerk-draft", "greffe", f"/clerk/sittings/{ids['later']}/"),
        Visit("clerk-convocation", "greffe", f"/clerk/sittings/{ids['later']}/convocation/"),
        Visit("clerk-live", "greffe", f"/clerk/sittings/{ids['live']}/"),
        Visit("clerk-deliveries", "greffe", f"/clerk/sittings/{ids['live']}/deliveries/"),
        Visit("clerk-proposals", "greffe", f"/clerk/sittings/{ids['later']}/proposals/"),
        Visit("clerk-screens", "greffe", f"/clerk/assemblies/{ids['ville']}/screens/"),
        Visit("transcript", "greffe", f"/broadcast/sittings/{ids['held']}/transcript/"),
        Visit("screen", None, f"/screen/{ids['screen']}/"),
        Visit("minutes", "secretariat", f"/clerk/sittings/{ids['held']}/minutes/"),
        Visit("regie", "regie", f"/broadcast/sittings/{ids['live']}/"),
        Visit("health", "regie", f"/broadcast/sittings/{ids['live']}/health/"),
        Visit("not-found", None, "/no-such-page/"),
    ]


def live_pages(ids) -> list[Visit]:
    """The live pages (templates/sessions/{public,seat,chair,roll}.html): before, during
    and after a sitting."""
    return [
        Visit("public-before", None, f"/sittings/{ids['agglo']}/"),
        Visit("public-during", None, f"/sittings/{ids['live']}/"),
        Visit("public-after", None, f"/sittings/{ids['held']}/"),
        Visit("seat-during", "conseiller12", f"/seat/sittings/{ids['live']}/"),
        Visit("seat-after", "conseiller12", f"/seat/sittings/{ids['held']}/"),
        Visit("chair-during", "maire", f"/chair/sittings/{ids['live']}/"),
        Visit("chair-after", "maire", f"/chair/sittings/{ids['held']}/"),
        Visit("roll-during", "secretariat", f"/roll/sittings/{ids['live']}/"),
    ]


@pytest.fixture
def demo(settings, tmp_path, live_server_process):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    return off_loop(demo_sittings)


# What is left on pages whose markup or text another part of the project owns, each with
# where it comes from: the checks that pass on them are still asserted.
OTHERS_LEFT: dict[str, set[str]] = {}
LIVE_LEFT: dict[str, set[str]] = {}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_page_accessible_and_fits(size, demo, live_url, browser):
    failures = survey(browser, live_url, pages(demo), size, waived=OTHERS_LEFT)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_live_pages_accessible_and_fit(size, demo, live_url, browser):
    failures = survey(browser, live_url, live_pages(demo), size, waived=LIVE_LEFT)
    assert not failures, "\n\n".join(failures)


def tab_to(page, selector: str, presses: int = 80) -> None:
    """Press Tab, as a councillor with no mouse would, until `selector` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never had the focus in {presses} presses of Tab")


def test_a_councillor_asks_for_the_floor_and_votes_with_the_keyboard_alone(live_url, new_page):
    """From the top of the seat page, with Tab and Enter only: ask for the floor, then cast
    the ballot of the vote the chair opens; each answer is read on the page."""

    def prepare():
        a = f.assembly(members=7, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        return f.in_session(a, present=7), people

    s, people = off_loop(prepare)
    councillor = people[3]
    seat = new_page()
    login(seat, live_url, councillor.user.username)
    seat.goto(f"{live_url}/seat/sittings/{s.id}/")
    expect(seat.locator("#live-connection")).to_have_text("En direct")

    tab_to(seat, "#raise-hand")
    seat.keyboard.press("Enter")
    expect(seat.locator("#my-turn")).to_have_text("Vous avez demandé la parole.")
    chair = new_page()
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    expect(chair.locator("#live-queue li")).to_contain_text(councillor.full_name)

    chair.click("#vote-form button[type=submit]")
    own = f".ballot[data-voice='{councillor.id}']"
    expect(seat.locator(f"{own} button[data-ballot]")).to_have_count(3)
    tab_to(seat, f"{own} button[data-ballot='against']")
    seat.keyboard.press("Enter")
    expect(seat.locator(f"{own} .receipt")).to_have_text("Vote enregistré\u00a0: Contre")
    expect(chair.locator("#live-vote")).to_contain_text("1")
    shoot(seat, "a11y-seat-keyboard-vote")
