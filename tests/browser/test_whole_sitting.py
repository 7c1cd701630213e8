"""A whole sitting by its people (issue 15), in one Chromium with a context per person:
Ingeville's 59 members; the clerk convenes through the clerk's pages; the chair takes the
roll call through the desk ("Tous présents", then the absent), names the secretary, opens
(with a reason: the sitting is convened for a later day), takes up items, gives the floor
to a councillor who asked from the seat, runs an electronic vote with 10 seat pages (one
holder also voting for the grantor), a show of hands, a closed session refused (the
council's electronic vote) then adopted (a show of hands), a suspension and the
resumption, the close; a councillor joins and leaves by video (the embedded relay); the
technician's régie and a citizen's public page follow.

At every step the same counts are read on the chair's, a seat's and the public page
(quorum and presence, ballots received over voices). Each page of the journey is
screenshot at 1280 and 390 px, checked by axe-core, fitted at 390 px, and scanned for the
catalogue's English.

Kept fast: the ballots of the 46 present members who have no seat page open are cast
through the seat's websocket (the same frames a seat page sends), from Python, with each
member's own session; the proxy is given through the service (on paper, before the
sitting), not through a page."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import pytest
import websockets
from django.test import Client
from playwright.sync_api import expect

from sessions import services
from sessions.models import Sitting
from tests import factories as f

from .a11y import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits,
    english_left,
    english_phrases,
    typography_slips,
)
from .conftest import off_loop, shoot
from .pages import login

pytestmark = [pytest.mark.browser]

PHRASES = english_phrases()
LAG = 10_000  # ms: the public page coalesces its counts (every 2 s, longer when late)


@pytest.fixture
def relay(settings):
    settings.SEANCE_JANUS_URL = ""
    settings.SEANCE_MEDIA_GRACE_SECONDS = 20


def check(page, name: str) -> None:
    """The page at 1280 and 390 px: screenshots, axe-core, no horizontal scroll on a
    phone, no English of the catalogue, no breaking space before « : ; ! ? »."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        shoot(page, f"whole-{name}-{size['width']}")
        assert_accessible(page)
        if size is PHONE:
            assert_fits(page)
    english = english_left(page, PHRASES)
    assert not english, f"{name}: English left in French: {english}"
    slips = typography_slips(page)
    assert not slips, f"{name}: French typography: {slips}"
    page.set_viewport_size(DESKTOP)


def same_counts(chair, seat, public, vote: bool = False) -> str:
    """The chair's figures, read the same on the seat and on the public page."""
    quorum = chair.locator("#live-quorum").text_content() or ""
    expect(seat.locator("#live-quorum")).to_have_text(quorum, timeout=LAG)
    expect(public.locator("#live-quorum")).to_have_text(quorum, timeout=LAG)
    expect(public.locator("#live-attendance")).to_have_text(
        chair.locator("#live-attendance").text_content() or "", timeout=LAG
    )
    if vote:
        count = chair.locator("#vote-count").text_content() or ""
        expect(seat.locator("#vote-count")).to_have_text(count, timeout=LAG)
        expect(public.locator("#vote-count")).to_have_text(count, timeout=LAG)
        return count
    return quorum


def cast_by_socket(base: str, sitting_id: int, vote_id: int, cookies: list[str]) -> list[str]:
    """Each member's ballot "for" through the seat's websocket, with their own session;
    the answers' types ("ack" each)."""
    url = base.replace("http", "ws") + f"/ws/sittings/{sitting_id}/seat/"

    async def one(cookie: str) -> str:
        headers = {"Cookie": f"sessionid={cookie}", "Origin": base}
        async with websockets.connect(url, additional_headers=headers) as ws:
            ref = uuid.uuid4().hex[:12]
            frame = {
                "action": "ballot",
                "vote": vote_id,
                "choice": "for",
                "client_id": uuid.uuid4().hex,
                "ref": ref,
            }
            await ws.send(json.dumps(frame))
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if msg.get("ref") == ref:
                    return msg["type"] if msg["type"] == "ack" else msg.get("code", "?")

    async def all_of() -> list[str]:
        gate = asyncio.Semaphore(6)

        async def gated(cookie: str) -> str:
            async with gate:
                return await one(cookie)

        return list(await asyncio.gather(*(gated(c) for c in cookies)))

    return asyncio.run(all_of())


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_a_whole_sitting_by_its_people(relay, live_url, media_browser, tmp_path):
    def prepare():
        a = f.assembly(members=59, population=110_000, name="Ingeville")
        people = list(a.members.order_by("last_name", "first_name").select_related("user"))
        return a, f.staff(a), f.staff(a, role="technician"), people

    assembly, clerk_user, tech_user, people = off_loop(prepare)
    chair_member = next(m for m in people if m.role == "chair")
    others = [m for m in people if m is not chair_member]
    absent = [others[4], others[20], others[41]]  # marked absent on the roll
    grantor, holder = absent[0], others[7]  # the first absent gave a proxy
    remote = absent[1]  # joins by video, then leaves
    secretary = others[1]
    seated = [m for m in others if m not in absent][:10]  # 10 seat pages
    assert holder in seated
    speaker = seated[3]

    contexts = []

    def person(username: str | None):
        context = media_browser.new_context(locale="fr-FR", viewport=DESKTOP)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            login(page, live_url, username)
        return page

    try:
        # --- the clerk prepares and convenes ---------------------------------------
        clerk = person(clerk_user.username)
        clerk.goto(f"{live_url}/clerk/assemblies/{assembly.id}/sittings/new/")
        clerk.fill("#id_title", "Conseil municipal d'Ingeville")
        clerk.fill("#id_starts_at", f.in_days(12).strftime("%Y-%m-%dT%H:%M"))
        clerk.click("form.clerk-form button[type=submit]")
        sitting_id = int(clerk.url.rstrip("/").rsplit("/", 1)[1])
        note = tmp_path / "note.pdf"
        note.write_bytes(f.pdf_bytes("Note explicative de synthèse"))
        titles = ("Budget supplémentaire 2026", "Tarifs de la restauration scolaire")
        for title in titles:
            clerk.fill("#id_item_title", title)
            clerk.select_option("#id_item_kind", "deliberation")
            clerk.select_option("#id_item_matter", "7.1")  # ACTES, needed before the vote
            clerk.click("form[action$='/items/'] button[type=submit]")
            expect(clerk.locator("body")).to_contain_text(title)
        items = off_loop(lambda: list(Sitting.objects.get(pk=sitting_id).items.all()))
        for item in items:
            clerk.select_option(f"#id_doc{item.id}_kind", "synthesis")
            clerk.set_input_files(f"#id_doc{item.id}_file", str(note))
            form = f"form[action$='/items/{item.id}/documents/']"
            clerk.click(f"{form} button[type=submit]")
            expect(clerk.locator(form).locator("xpath=..")).to_contain_text("note")
        check(clerk, "clerk-sitting")
        off_loop(
            lambda: services.proxy_grant(
                grantor=grantor,
                holder=holder,
                sittings=[Sitting.objects.get(pk=sitting_id)],
                user=None,
            )
        )
        clerk.goto(f"{live_url}/clerk/sittings/{sitting_id}/convocation/")
        check(clerk, "clerk-convocation")
        clerk.click("form.clerk-form button[type=submit]")
        clerk.goto(f"{live_url}/clerk/sittings/{sitting_id}/deliveries/")
        expect(clerk.locator("body")).to_contain_text(chair_member.full_name)
        check(clerk, "clerk-deliveries")
        assert off_loop(lambda: Sitting.objects.get(pk=sitting_id).state) == "convened"

        # --- the public, the régie, the desk and the seats open their pages ----------
        public = person(None)
        public.goto(f"{live_url}/sittings/{sitting_id}/")
        expect(public.locator("#live-connection")).to_have_text("En direct")
        regie = person(tech_user.username)
        regie.goto(f"{live_url}/broadcast/sittings/{sitting_id}/")
        chair = person(chair_member.user.username)
        chair.on("dialog", lambda d: d.accept())
        chair.goto(f"{live_url}/chair/sittings/{sitting_id}/")
        expect(chair.locator("#live-connection")).to_have_text("En direct")
        seats = {}
        for m in seated:
            page = person(m.user.username)
            page.goto(f"{live_url}/seat/sittings/{sitting_id}/")
            seats[m.id] = page
        seat = seats[speaker.id]
        for page in seats.values():
            expect(page.locator("#live-connection")).to_have_text("En direct")
        check(public, "public-before")

        # --- the roll call: four actions --------------------------------------------
        roll = chair.locator("#live-roll")
        expect(roll.locator("li")).to_have_count(59)
        actions = 0
        chair.click("#roll-all")
        actions += 1
        expect(chair.locator("#outcome-roll")).to_have_text("Arrivées enregistrées\u00a0: 59.")
        for m in absent:
            roll.locator(f"li[data-member='{m.id}'] button").click()
            actions += 1
            expect(roll.locator(f"li[data-member='{m.id}']")).to_have_class("absent")
        assert actions == 4
        expect(chair.locator("#live-quorum")).to_contain_text("56 sur 59")
        same_counts(chair, seat, public)
        chair.click("#roll-done")
        check(chair, "desk-roll")

        # --- the secretary, the opening (convened for a later day: with a reason) ---
        chair.select_option("#secretary-select", str(secretary.id))
        chair.click("#secretary-form button[type=submit]")
        expect(chair.locator("#live-secretary")).to_have_text(secretary.full_name)
        chair.click("button[data-action=open]")
        chair.fill("#open-reason", "Séance avancée par arrêté du maire")
        chair.click("#open-anyway-form button[type=submit]")
        for page in (chair, public, seat):
            expect(page.locator("#live-state")).to_have_text("Ouverte")
        same_counts(chair, seat, public)

        # --- items and the floor ------------------------------------------------------
        chair.locator(f"#live-agenda li[data-item='{items[0].id}'] button").click()
        current = f"{items[0].position}. {items[0].title}"
        for page in (public, seat):
            expect(page.locator("#live-current-item")).to_have_text(current)
        seat.click("#raise-hand")
        expect(seat.locator("#my-turn")).to_have_text("Vous avez demandé la parole.")
        chair.locator(
            f"#live-queue li[data-member='{speaker.id}'] button[data-action=give_floor]"
        ).click()
        expect(seat.locator("#my-turn")).to_have_text("Vous avez la parole.")
        expect(public.locator("#live-speaker")).to_have_text(speaker.full_name)
        expect(chair.locator("#live-speaker")).to_have_text(speaker.full_name)

        # --- a councillor joins by video (à distance on the roll), then leaves ------
        video = person(remote.user.username)
        video.context.grant_permissions(["camera", "microphone"])
        video.goto(f"{live_url}/visio/sittings/{sitting_id}/")
        video.click("#visio-join-button")
        expect(video.locator("#visio-status")).to_have_text(re.compile(r"^Connecté"))
        entry = roll.locator(f"li[data-member='{remote.id}']")
        expect(entry).to_have_class("present", timeout=20_000)
        expect(entry.locator(".where")).to_have_text("à distance")
        # R26: a commune's councillor who follows by video counts as absent (no quorum).
        expect(chair.locator("#live-quorum")).to_contain_text("56 sur 59")
        same_counts(chair, seat, public)
        check(video, "visio")
        video.click("#visio-leave")
        expect(entry).to_have_class("absent", timeout=5_000)
        expect(chair.locator("#live-quorum")).to_contain_text("56 sur 59")
        same_counts(chair, seat, public)

        # --- an electronic vote: 10 seat pages, the rest through the socket ----------
        chair.select_option("#vote-kind", "electronic")
        chair.fill("#vote-question", "Budget supplémentaire 2026")
        chair.click("#vote-form button[type=submit]")
        for page in seats.values():
            expect(page.locator("#vote-count")).to_be_visible()
        expect(chair.locator("#vote-count")).to_contain_text("57")  # 56 present + 1 proxy
        same_counts(chair, seat, public, vote=True)
        for n, (member_id, page) in enumerate(seats.items()):
            choice = "against" if n == 2 else "for"
            own = page.locator(f".ballot[data-voice='{member_id}']")
            own.locator(f"button[data-ballot='{choice}']").click()
            expect(own.locator(".receipt")).to_contain_text("Vote enregistré")
        theirs = seats[holder.id].locator(f".ballot[data-voice='{grantor.id}']")
        expect(theirs.locator("h3")).to_contain_text(grantor.full_name)
        theirs.locator("button[data-ballot='abstain']").click()
        expect(theirs.locator(".receipt")).to_have_text("Vote enregistré\u00a0: Abstention")
        check(seats[holder.id], "seat-vote-proxy")
        expect(chair.locator("#vote-count")).to_contain_text("11")
        same_counts(chair, seat, public, vote=True)
        check(chair, "desk-vote")
        check(public, "public-vote")

        rest = [m for m in people if m not in absent and m.id not in seats]
        assert len(rest) == 46
        cookies = off_loop(lambda: [session_of(m.user) for m in rest])
        close = chair.locator("#live-vote button[data-action=vote_close]")
        vote_id = int(close.get_attribute("data-vote") or 0)
        answers = off_loop(cast_by_socket, live_url, sitting_id, vote_id, cookies)
        assert answers == ["ack"] * 46, answers
        expect(chair.locator("#vote-count")).to_contain_text("57", timeout=15_000)
        count = same_counts(chair, seat, public, vote=True)
        assert re.search(r"\b57\b.*\b57\b", count), count
        close.click()
        for page in (chair, public, seat):
            expect(page.locator("#live-vote .result")).to_have_text("Adopté")
        expect(public.locator("#live-vote")).to_contain_text("Pour 55 · Contre 1 · Abstention 1")
        same_counts(chair, seat, public, vote=True)

        # --- the second item: a show of hands -------------------------------------
        chair.locator(f"#live-agenda li[data-item='{items[1].id}'] button").click()
        expect(public.locator("#live-current-item")).to_contain_text(items[1].title)
        chair.select_option("#vote-kind", "hands")
        chair.fill("#vote-question", "Tarifs de la restauration scolaire")
        chair.click("#vote-form button[type=submit]")
        chair.fill("#count-for", "50")
        chair.fill("#count-against", "4")
        chair.fill("#count-abstain", "3")
        chair.click("#close-with-counts")
        for page in (chair, public, seat):
            expect(page.locator("#live-vote")).to_contain_text("Pour 50 · Contre 4 · Abstention 3")
        count = same_counts(chair, seat, public, vote=True)
        assert re.search(r"\b57\b.*\b57\b", count), count  # the hands counted, not "0 reçus"
        check(seat, "seat-hands")

        # --- a closed session refused, then adopted, then left ------------------------
        # R25: the council's own vote. Electronic first: the 10 seat pages vote for, 10 of
        # 57 voices is no absolute majority of the members present or represented.
        chair.select_option("#closed-requesters", [str(chair_member.id)])
        chair.select_option("#closed-kind", "electronic")
        chair.click("#closed-session-form button[type=submit]")
        for page in (chair, public, seat):
            expect(page.locator("#live-vote")).to_contain_text("huis clos")
        for member_id, page in seats.items():
            own = page.locator(f".ballot[data-voice='{member_id}']")
            own.locator("button[data-ballot='for']").click()
            expect(own.locator(".receipt")).to_contain_text("Vote enregistré")
        expect(chair.locator("#vote-count")).to_contain_text("10")
        chair.locator("#live-vote button[data-action=vote_close]").click()  # confirmed
        expect(chair.locator("#outcome-closed")).to_have_text(
            "Huis clos non adopté\u00a0: la séance reste publique."
        )
        for page in (chair, public, seat):
            expect(page.locator("#live-vote .result")).to_have_text("Rejeté")
        expect(public.locator("#live-closed-session")).to_be_hidden()
        # Then by show of hands, counted in the vote box like any: 40 of 57, adopted.
        chair.select_option("#closed-kind", "hands")
        chair.click("#closed-session-form button[type=submit]")
        chair.fill("#count-for", "40")
        chair.fill("#count-against", "17")
        chair.click("#close-with-counts")
        expect(chair.locator("#outcome-closed")).to_contain_text("Le huis clos est adopté")
        expect(chair.locator("#live-vote")).to_contain_text("Pour 40 · Contre 17")
        for page in (chair, public, seat):
            expect(page.locator("#live-closed-session")).to_be_visible()
        same_counts(chair, seat, public)
        check(public, "public-closed-session")
        check(regie, "regie-closed-session")
        chair.click("#closed-session-leave")
        expect(public.locator("#live-closed-session")).to_be_hidden()

        # --- a suspension and the resumption ------------------------------------------
        chair.click("button[data-action=suspend]")
        for page in (chair, public, seat):
            expect(page.locator("#live-state")).to_have_text("Suspendue")
        same_counts(chair, seat, public)
        check(seat, "seat-suspended")
        chair.click("button[data-action=resume]")
        for page in (chair, public, seat):
            expect(page.locator("#live-state")).to_have_text("Ouverte")

        # --- the close: the public page is the sitting's record -----------------------
        chair.click("button[data-action=close]")
        record = public.locator("#sitting-record")
        expect(record).to_be_visible(timeout=15_000)
        expect(record.locator("h2")).to_have_text("La séance est levée")
        expect(record).to_contain_text("Adopté")
        expect(record.get_by_test_id("record-archive")).to_be_visible()
        expect(public.locator("#live-connection")).to_be_hidden()
        check(public, "public-after")
        check(chair, "desk-after")
        check(seat, "seat-after")
        check(regie, "regie-after")
        assert off_loop(lambda: Sitting.objects.get(pk=sitting_id).state) == "closed"
        record.get_by_test_id("record-archive").click()
        expect(public.locator("h1")).to_contain_text("Conseil municipal d'Ingeville")
        check(public, "archive-sitting")
        # The minutes' draft (signed and published after the next sitting adopts them: no
        # PDF in this journey).
        clerk.goto(f"{live_url}/clerk/sittings/{sitting_id}/minutes/")
        expect(clerk.locator("[data-testid=minutes-state]")).to_be_visible()
        check(clerk, "minutes")
        assert public.context.cookies() == []
    finally:
        for context in contexts:
            context.close()
