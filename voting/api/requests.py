"""What the council asks or decides about a vote before it opens, over the API as from the
chair's desk: a request for a secret ballot (R18, R27) and its waiver (R18, R20), the
urgency (R7), a declared interest (L2131-11); with the desk's permissions
(sessions.access) and a member's own for their interest."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import valid
from council.parsing import parse_members
from sessions import services as sittings
from sessions.access import Role, access_declarant, access_sitting
from sessions.inputs import item_in
from sessions.models import AgendaItem, Sitting

from .. import services
from .common import VOTE_ERRORS, answer, current_item, example
from .serializers import (
    InterestIn,
    InterestOut,
    RequestersIn,
    SecretRequestOut,
    UrgencyIn,
    UrgencyOut,
    WaiverIn,
    WaiverOut,
)


class SecretRequest(APIView):
    @extend_schema(
        request=RequestersIn,
        responses={201: SecretRequestOut, **VOTE_ERRORS},
        examples=[
            example("Members present asking", {"requested_by": [12, 13, 14, 15, 16, 17]}),
            answer("Recorded", {"requested_by": [12, 13, 14, 15, 16, 17], "postponed": False}),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R18, R27: members present ask for a secret ballot on the item under discussion
        (a third of those present makes it due: the vote is then opened as "secret"). In a
        sitting by teleconference the request postpones the item to a sitting held in one
        place ("postponed"). Each requester must be a member present (400 otherwise)."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = current_item(sitting)
        requested = valid(RequestersIn, request)["requested_by"]
        members = parse_members(sitting.assembly, requested, field="requested_by")
        postponed = services.secret_request_record(
            item=item, requested_by=members, user=request.user
        )
        return Response(
            {"requested_by": [m.id for m in members], "postponed": postponed}, status=201
        )


class SecretWaiver(APIView):
    @extend_schema(request=WaiverIn, responses={201: WaiverOut, **VOTE_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R18: the council waives the secret ballot of the nomination under discussion,
        unanimously; refused (409 secret_required_by_text) for the election of the mayor,
        adjoints, president or bureau (R20). The decision is recorded with every member
        present and the objections, and the vote opened next carries it."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = current_item(sitting)
        data = valid(WaiverIn, request)
        objectors = parse_members(sitting.assembly, data.get("objectors") or [], field="objectors")
        decision = services.secret_waiver_record(item=item, objectors=objectors, user=request.user)
        return Response(decision, status=201)


def _postponed(sitting: Sitting) -> set[int]:
    """The sitting's items postponed so far: the urgency's answer names those it postponed,
    not those postponed before it (R7)."""
    return set(
        AgendaItem.objects.filter(sitting=sitting, state=AgendaItem.State.POSTPONED).values_list(
            "id", flat=True
        )
    )


class Urgency(APIView):
    @extend_schema(
        request=UrgencyIn,
        responses={200: UrgencyOut, **VOTE_ERRORS},
        examples=[
            example("The council accepts the urgency", {"accepted": True}),
            example("The council rejects it", {"accepted": False}),
            answer(
                "Rejected: the items concerned postponed", {"accepted": False, "postponed": [7]}
            ),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R7: a sitting convened in urgency opens with the council's vote on the urgency;
        rejected, the urgent items (else all) are postponed. 409 no_urgency when there is
        none to decide, or it was decided already."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        accepted = valid(UrgencyIn, request)["accepted"]
        before = _postponed(sitting)
        sitting = sittings.urgency_decide(sitting=sitting, accepted=accepted, user=request.user)
        return Response({"accepted": accepted, "postponed": sorted(_postponed(sitting) - before)})


class Interests(APIView):
    @extend_schema(
        request=InterestIn,
        responses={200: InterestOut, 201: InterestOut, **VOTE_ERRORS},
        examples=[
            example("The chair records a member's interest", {"item": 7, "member": 12}),
            example("A member declares their own", {"item": 7}),
            example("Withdrawn", {"item": 7, "member": 12, "declared": False}),
            answer(
                "Declared",
                {"item": 7, "member": 12, "declared": True, "interests": [12]},
                "201",
            ),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """L2131-11: a member with a personal interest in an item takes no part in its vote
        and is left out of its quorum. The chair or the clerk records it for any member
        ("member"); a member declares or withdraws their own (no "member", or their own
        id). 409 duplicate / no_interest when already so. 201 declared, 200 withdrawn."""
        sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
        data = valid(InterestIn, request)
        member = access_declarant(request.user, sitting, data.get("member"))
        item = item_in(sitting, data["item"])
        declared = data["declared"]
        action = sittings.interest_declare if declared else sittings.interest_withdraw
        action(item=item, member=member, user=request.user)
        return Response(
            {
                "item": item.id,
                "member": member.id,
                "declared": declared,
                "interests": sorted(item.interests.values_list("member_id", flat=True)),
            },
            status=201 if declared else 200,
        )
