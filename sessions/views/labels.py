"""Words of the live pages' script, translated on the server."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..live.public_feed import subscribe_url
from ..models import Sitting


def live_config(
    sitting: Sitting, role: str, state: dict[str, Any], member_id: int | None = None
) -> dict[str, Any]:
    """What a live page's script is given (json_script): its websocket, its role, the
    sitting's remote rooms (not on the public page), its first state and its words."""
    rooms = (
        []
        if role == "public"
        else [{"id": r.id, "name": r.name} for r in sitting.remote_rooms.all()]
    )
    return {
        "ws": f"/ws/sittings/{sitting.id}/{role}/",
        "events": subscribe_url(sitting.id) if role == "public" else "",  # nginx's, if set
        "role": role,
        "member_id": member_id,
        "rooms": rooms,
        "state": state,
        "labels": live_labels(),
    }


def live_labels() -> dict[str, str]:
    """Every word of the live pages' script, in the active language."""
    return {
        **sitting_labels(),
        **attendance_labels(),
        **floor_labels(),
        **vote_labels(),
        **closed_session_labels(),
        **policing_labels(),
        **feedback_labels(),
    }


def sitting_labels() -> dict[str, str]:
    """The sitting as a whole: its state, its item, its quorum, the connection."""
    return {
        "closed_session": _("Closed session (huis clos): the public broadcast is stopped."),
        "no_current_item": _("No item under discussion"),
        "take_up": _("Take up"),
        "quorum_reached": _("Quorum reached"),
        "quorum_missing": _("Quorum not reached"),
        "live": _("Live"),
        "reconnecting": _("Connection lost, reconnecting…"),
    }


def attendance_labels() -> dict[str, str]:
    """Who is there: the roll call, arrivals and departures, remote rooms, interests, proxies."""
    return {
        "present": _("present"),
        "represented": _("represented"),
        "absent": _("absent"),
        "absent_one": pgettext("one member", "absent"),
        "in_office": _("in office"),
        "in_use": _("in use"),
        "none": _("none"),
        "remote": _("remote"),
        "arrival": _("Arrival"),
        "arrival_in": _("Arrival in %(room)s"),
        "declare_interest": _("I have an interest in this item"),
        "withdraw_interest": _("Withdraw my interest"),
        "departure": _("Departure"),
        "all_present": _("All present"),
        "roll_done": _("Roll call done"),
        "roll_edit": _("Edit the roll call"),
        "mark_absent": _("Mark %(name)s absent"),
        "mark_present": _("Mark %(name)s present"),
        "arrivals_recorded": _("Arrivals recorded: %(n)s."),
    }


def floor_labels() -> dict[str, str]:
    """The floor and its queue."""
    return {
        "nobody": _("Nobody has the floor"),
        "speaking": _("has the floor since"),
        "waiting": _("asked at"),
        "give_floor": _("Give the floor"),
        "end_floor": _("End the floor"),
        "queue_empty": _("Nobody has asked for the floor."),
        "you_have_floor": _("You have the floor."),
        "you_are_waiting": _("You have asked for the floor."),
        "absent_no_floor": _("absent: cannot be given the floor"),
    }


def vote_labels() -> dict[str, str]:
    """A vote: opening, ballots, counts, result, rounds of an election."""
    return {
        "vote_open": _("Vote open"),
        "vote_closed": _("Vote closed"),
        "ballots_cast": _("%(cast)s of %(voices)s ballots cast"),
        "adopted": _("Adopted"),
        "rejected": _("Rejected"),
        "casting": _("the chair's casting vote decided"),
        "chair_vote": _("The chair's own vote (decides a tie)"),
        "waived": _("The council waived the secret ballot unanimously."),
        "not_waived": _("A member objected: the ballot stays secret."),
        "for": _("For"),
        "against": _("Against"),
        "abstain": _("Abstention"),
        "blank": _("Blank"),
        "my_vote": _("My vote"),
        "vote_for_grantor": _("Vote for %(name)s (proxy)"),
        "voted": _("Ballot recorded"),
        "has_voted": _("has voted"),
        "elected": _("Elected: %(name)s"),
        "no_winner": _("No candidate elected in this round"),
        "round": _("Round %(n)s"),
        "close_vote": _("Close the vote"),
        "next_round": _("Next round"),
        "record": _("Record"),
        "voted_choice": _("Ballot recorded: %(choice)s"),
        "voted_elsewhere": _("You have voted (on another device)."),
        "chair_records": _("The chair records this vote in the chamber."),
        "missing_one": ngettext(
            "%(n)s voice has not voted: close anyway?",
            "%(n)s voices have not voted: close anyway?",
            1,
        ),
        "missing_many": ngettext(
            "%(n)s voice has not voted: close anyway?",
            "%(n)s voices have not voted: close anyway?",
            2,
        ),
    }


def closed_session_labels() -> dict[str, str]:
    """The vote on a closed session, and its outcome."""
    return {
        "closed_adopted": _("The council went into closed session."),
        "closed_vote_opened": _(
            "The council votes on the closed session: close the vote in the vote box."
        ),
        "closed_rejected": _("Closed session not adopted: the sitting stays public."),
    }


def policing_labels() -> dict[str, str]:
    """R24: the chair's policing, on the desk and the public page."""
    return {
        "expelled": _("expelled"),
        "choose_member": _("Choose a member present."),
        "policing_none": _("No call to order and no expulsion in this sitting."),
        "call_to_order_line": _("%(at)s — %(name)s called to order: %(reason)s"),
        "expulsion_line": _("%(at)s — %(name)s expelled from the sitting: %(reason)s"),
    }


def feedback_labels() -> dict[str, str]:
    """The desk's and the seat's feedback (static/js/live/)."""
    return {
        "done": _("Recorded."),
        "no_answer": _("No answer from the server: try again."),
    }
