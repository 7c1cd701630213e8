"""The chair's desk in Chromium: the roll call of 59 members in four actions, every action
pending at once and then done, refused in place with the server's French message, or
"no answer from the server"; events that arrive while the chair types leave the typing be."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions import services
from sessions.models import AttendanceEvent, Sitting, SpeakingRequest
from tests import factories as f

from .a11y import DESKTOP, PHONE
from .conftest import off_loop, shoot
from .pages import desk, login

pytestmark = [pytest.mark.browser]


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


def test_roll_call_of_59_members_takes_four_actions(live_url, new_page):
    def prepare():
        a = f.assembly(members=59)
        s = f.convened(a)
        return s, list(a.members.order_by("last_name", "first_name").select_related("user"))

    s, people = off_loop(prepare)
    chair_user = next(m.user for m in people if m.role == "chair")
    chair = desk(new_page, live_url, s, chair_user)
    chair2 = desk(new_page, live_url, s, chair_user)  # a second window of the desk
    roll = chair.locator("#live-roll")
    expect(roll.locator("li")).to_have_count(59)
    # The roll is at the top of the desk, above the item and the vote.
    top = chair.evaluate("() => document.getElementById('roll-card').getBoundingClientRect().top")
    assert top < chair.evaluate(
        "() => document.querySelector('.desk-now').getBoundingClientRect().top"
    )
    assert top < 400

    actions = 0
    chair.click("#roll-all")  # 1: everyone in the chamber
    actions += 1
    expect(chair.locator("#outcome-roll")).to_have_text("Arrivées enregistrées\u00a0: 59.")
    expect(roll.locator("li.present")).to_have_count(59)
    absent = [people[4], people[20], people[41]]
    for m in absent[:2]:  # 2, 3: two absent marked with the mouse
        roll.locator(f"li[data-member='{m.id}'] button").click()
        actions += 1
        expect(roll.locator(f"li[data-member='{m.id}']")).to_have_class("absent")
    # 4: the third with the keyboard alone: the arrow moves from the name before it.
    before = people[40]
    roll.locator(f"li[data-member='{before.id}'] button").focus()
    chair.keyboard.press("ArrowRight")
    assert chair.evaluate("() => document.activeElement.closest('li').dataset.member") == str(
        absent[2].id
    )
    chair.keyboard.press("Enter")
    actions += 1
    expect(roll.locator(f"li[data-member='{absent[2].id}']")).to_have_class("absent")
    assert actions == 4
    expect(chair.locator("#live-quorum")).to_contain_text("56 sur 59")
    expect(chair.locator("#live-quorum")).to_have_class("quorum reached")
    expect(chair2.locator("#live-roll li.present")).to_have_count(56)  # both windows follow
    expect(chair2.locator("#live-quorum")).to_contain_text("56 sur 59")
    no_horizontal_scroll(chair)
    shoot(chair, "desk-roll-call-1280")

    def log():
        return list(
            AttendanceEvent.objects.filter(sitting=s).values_list("member_id", "kind", "mode")
        )

    events = off_loop(log)
    assert len(events) == 59 + 3
    assert {e[0] for e in events if e[1] == "departure"} == {m.id for m in absent}

    chair.click("#roll-done")  # the roll folds away, the opening comes next
    expect(chair.locator("#roll-body")).to_be_hidden()
    expect(chair.locator("#roll-summary")).to_contain_text("56")
    chair.set_viewport_size(PHONE)
    no_horizontal_scroll(chair)
    chair.click("#roll-edit")
    expect(chair.locator("#live-roll")).to_be_visible()
    no_horizontal_scroll(chair)
    shoot(chair, "desk-roll-call-390")


def _ready_to_open(s: Sitting, people, secretary: bool = True, present: int | None = None):
    f.arrive(s, people[: len(people) if present is None else present])
    if secretary:
        services.secretary_name(sitting=s, member=people[1], user=None)


# Each refusal the desk can receive from a control of the page, triggered from the page.
# Not triggerable from the page (the desk does not offer the control), so not here:
# already_present / not_present / all_present (a toggle follows the state, "Tous
# présents" is disabled when everyone is there), transition_refused of a state
# (the buttons follow data-when), not_queued / no_speaker (the queue shows only waiting
# requests), unknown_* (ids come from the snapshot), invalid_field (the page sends
# well-formed frames; tests/security covers malformed ones). R25: the closed session's
# counts are a show of hands' (the vote box), no longer typed in the closed-session form.
REFUSALS = {
    "secretary_missing": "Désignez un secrétaire",
    "quorum_not_reached": "Quorum non atteint",
    "opening_before_convened": "",  # its French words are G2's (sessions/services/running.py)
    "closed_session_request_invalid": "huis clos",
    "requester_absent": "",
    "no_current_item": "",
    "vote_already_open": "Un autre vote est ouvert",
    "roll_call_not_requested": "quart",
    "secret_not_requested": "tiers",
}


@pytest.mark.parametrize("code", list(REFUSALS))
def test_each_refusal_shows_its_message_in_place(live_url, new_page, code):
    def prepare():
        a = f.assembly(members=9, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        if code in ("secretary_missing", "quorum_not_reached", "opening_before_convened"):
            s = f.convened(a)
            _ready_to_open(
                s,
                people,
                secretary=code != "secretary_missing",
                present=2 if code == "quorum_not_reached" else None,
            )
        elif code == "no_current_item":
            s = f.opened(a, present=8)
        else:
            s = f.in_session(a, present=8)
        return s, people

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    if code in ("secretary_missing", "quorum_not_reached", "opening_before_convened"):
        origin, outcome = chair.locator("button[data-action=open]"), "#outcome-run"
        origin.click()
    elif code in ("closed_session_request_invalid", "requester_absent"):
        requesters = {
            "closed_session_request_invalid": [people[2]],  # one member, not the mayor
            "requester_absent": [people[8]],  # the ninth has not arrived
        }[code]
        chair.select_option("#closed-requesters", [str(m.id) for m in requesters])
        origin = chair.locator("#closed-session-form button[type=submit]")
        outcome = "#outcome-closed"
        origin.click()
    else:
        kind = {
            "roll_call_not_requested": "roll_call",
            "secret_not_requested": "secret",
        }.get(code, "electronic")
        if code == "vote_already_open":
            chair.click("#vote-form button[type=submit]")
            expect(chair.locator("#live-vote")).to_be_visible()
        chair.select_option("#vote-kind", kind)
        origin, outcome = chair.locator("#vote-form button[type=submit]"), "#outcome-new-vote"
        origin.click()
    box = chair.locator(outcome)
    expect(box).to_have_attribute("role", "alert")
    expect(box).to_have_attribute("data-code", code)
    expect(box).to_contain_text(REFUSALS[code])
    expect(box).to_contain_text(f"({code})")
    expect(origin).not_to_have_attribute("aria-busy", "true")  # the action is over
    assert "…" not in origin.inner_text()
    if code == "opening_before_convened":  # the chair may still open, with a reason
        expect(chair.locator("#open-anyway-form")).to_be_visible()
        chair.fill("#open-reason", "Séance avancée par arrêté du maire")
        chair.click("#open-anyway-form button[type=submit]")
        expect(chair.locator("#live-state")).to_have_text("Ouverte")
        expect(chair.locator("#outcome-run")).to_have_attribute("role", "status")
    shoot(chair, f"desk-refusal-{code}")


def test_pending_then_no_answer_and_a_rejected_closed_session(live_url, new_page):
    """The server's answer held back: the button says it is pending at once, then "no
    answer"; a closed session the council rejects is said so (no error, no silence)."""
    s, people = off_loop(
        lambda: (lambda a: (f.in_session(a, present=8), list(a.members.order_by("id"))))(
            f.assembly(members=9, population=1_000)
        )
    )
    chair = new_page()
    chair.set_viewport_size(DESKTOP)
    login(chair, live_url, people[0].user.username)
    held = {"on": False}

    def route(ws):
        server = ws.connect_to_server()

        def to_server(message):
            if held["on"] and '"suspend"' in str(message):
                return  # lost on the way
            server.send(message)

        ws.on_message(to_server)
        server.on_message(lambda message: ws.send(message))

    chair.route_web_socket("**/ws/sittings/**", route)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    expect(chair.locator("#live-connection")).to_have_text("En direct")

    held["on"] = True
    suspend = chair.locator("button[data-action=suspend]")
    started = chair.evaluate("() => performance.now()")
    suspend.click()
    expect(suspend).to_have_attribute("aria-busy", "true", timeout=1000)
    shown = chair.evaluate("() => performance.now()")
    assert shown - started < 1000
    expect(suspend).to_be_disabled()
    expect(suspend).to_contain_text("…")
    expect(chair.locator("#outcome-run")).to_have_text(
        "Pas de réponse du serveur\u00a0: réessayez.", timeout=12_000
    )
    expect(chair.locator("#outcome-run")).to_have_attribute("role", "alert")
    expect(suspend).to_be_enabled()
    held["on"] = False
    suspend.click()
    expect(chair.locator("#live-state")).to_have_text("Suspendue")
    expect(chair.locator("#outcome-run")).to_have_text("Enregistré.")
    chair.click("button[data-action=resume]")
    expect(chair.locator("#live-state")).to_have_text("Ouverte")

    # R25: asked by the mayor, the council's own vote by show of hands, counted in the
    # vote box like any: 2 hands for of 8 voices, rejected, and the desk says so.
    chair.select_option("#closed-requesters", [str(people[0].id)])
    chair.select_option("#closed-kind", "hands")
    for votes_for, verdict in ((2, "Huis clos non adopté"), (6, "Le huis clos est adopté")):
        chair.click("#closed-session-form button[type=submit]")
        expect(chair.locator("#outcome-closed")).to_contain_text("Le conseil vote sur le huis clos")
        expect(chair.locator("#live-vote")).to_contain_text("huis clos")
        chair.fill("#count-for", str(votes_for))
        chair.fill("#count-against", str(8 - votes_for))
        chair.click("#close-with-counts")
        expect(chair.locator("#outcome-closed")).to_contain_text(verdict)
        expect(chair.locator("#live-vote")).to_contain_text(
            "Adopté" if votes_for == 6 else "Rejeté"
        )
        if votes_for == 2:
            expect(chair.locator("#live-closed-session")).to_be_hidden()
    expect(chair.locator("#live-closed-session")).to_be_visible()


def test_events_leave_what_the_chair_types_alone(live_url, new_page):
    """A show of hands: the chair types the counts while members arrive and ask for the
    floor; the figures typed, the focus and the queue all hold."""

    def prepare():
        a = f.assembly(members=9, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        return f.in_session(a, present=7), people

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    expect(chair.locator("#live-queue-empty")).to_have_text("Personne n'a demandé la parole.")
    expect(chair.locator("#live-queue")).to_be_hidden()  # no numbered empty list
    chair.select_option("#vote-kind", "hands")
    chair.click("#vote-form button[type=submit]")
    chair.fill("#count-for", "5")
    chair.fill("#count-against", "1")
    # Events from other pages (through the server, on any channel layer): the second
    # chair window records an arrival, a councillor asks for the floor from the seat.
    other = desk(new_page, live_url, s, people[0].user)
    other.locator(f"#live-roll li[data-member='{people[7].id}'] button").click()
    expect(chair.locator("#live-roll li.present")).to_have_count(8)
    seat = new_page()
    login(seat, live_url, people[3].user.username)
    seat.goto(f"{live_url}/seat/sittings/{s.id}/")
    seat.click("#raise-hand")
    expect(chair.locator("#live-queue li")).to_contain_text(people[3].full_name)
    assert chair.input_value("#count-for") == "5"
    assert chair.input_value("#count-against") == "1"
    assert chair.evaluate("() => document.activeElement.id") == "count-against"
    chair.keyboard.type("2")
    assert chair.input_value("#count-against") == "12"
    no_horizontal_scroll(chair)
    shoot(chair, "desk-hands-typing-1280")


def test_an_absent_grantor_in_the_queue_gets_no_floor_button(live_url, new_page):
    """A member absent after giving a proxy who is in the queue (the service refuses new
    requests; an old one may remain): the desk says absent, offers no "give the floor"."""

    def prepare():
        a = f.assembly(members=9, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        s = f.in_session(a, present=8)
        services.attendance_record(sitting=s, member=people[4], kind="departure", user=None)
        # A request left from before the departure (the service now withdraws it, or
        # refuses it; the desk must not offer the floor whatever the state).
        SpeakingRequest.objects.create(sitting=s, member=people[4], requested_at=timezone.now())
        return s, people

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    row = chair.locator(f"#live-queue li[data-member='{people[4].id}']")
    expect(row).to_contain_text("absent(e)\u00a0: ne peut recevoir la parole")
    expect(row.locator("button[data-action=give_floor]")).to_have_count(0)
    assert "A la parole" not in chair.inner_text("body")
    expect(chair.locator(".desk-floor")).to_contain_text("À la parole\u00a0:")


def test_the_desk_at_phone_size(live_url, new_page):
    s, people = off_loop(
        lambda: (lambda a: (f.in_session(a, present=50), list(a.members.order_by("id"))))(
            f.assembly(members=59, population=1_000)
        )
    )
    chair = new_page()
    chair.set_viewport_size(PHONE)
    login(chair, live_url, people[0].user.username)
    chair.goto(f"{live_url}/chair/sittings/{s.id}/")
    expect(chair.locator("#live-roll li.present")).to_have_count(50)
    no_horizontal_scroll(chair)
    shoot(chair, "desk-in-session-390")
    chair.set_viewport_size(DESKTOP)
    no_horizontal_scroll(chair)
    shoot(chair, "desk-in-session-1280")


def test_keyboard_shortcuts_for_the_frequent_steps(live_url, new_page):
    def prepare():
        a = f.assembly(members=9, population=1_000)
        people = list(a.members.order_by("id").select_related("user"))
        s = f.in_session(a, present=8, items=2)
        services.hand_raise(sitting=s, member=people[3])
        return s, people

    s, people = off_loop(prepare)
    chair = desk(new_page, live_url, s, people[0].user)
    expect(chair.locator(".shortcuts")).to_contain_text("Clavier\u00a0:")
    chair.keyboard.press("f")  # the floor to the first in the queue
    expect(chair.locator("#live-speaker")).to_have_text(people[3].full_name)
    chair.keyboard.press("e")
    expect(chair.locator("#live-speaker")).to_have_text("Personne n'a la parole")
    chair.keyboard.press("n")  # the next item
    expect(chair.locator("#live-current-item")).to_contain_text("2. ")
    chair.keyboard.press("s")
    expect(chair.locator("#live-state")).to_have_text("Suspendue")
    chair.keyboard.press("s")
    expect(chair.locator("#live-state")).to_have_text("Ouverte")
    chair.fill("#vote-question", "s")  # typing in a field is never a shortcut
    expect(chair.locator("#live-state")).to_have_text("Ouverte")
