"""The REST API of the vote, over the same services as the chair's desk (voting/actions.py,
sessions/consumers.py) and with its permissions: the chair of the sitting or its clerk,
and for a declared interest also the member concerned, as on their seat.

Thin views, as in sessions/api_views.py: a StrictSerializer checks the input's shape (an
unknown field is a 400 naming it), `access_sitting` checks who asks, every id is checked
against the sitting, a service does the work and a refusal is a DomainError turned into a
4xx with a French message (council.api.exception_handler). Each endpoint's schema gives
its answers, its errors and examples (the documentation page /api/docs/ shows them).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import CountField, IdField, IdListField, StrictSerializer, errors, valid
from council.errors import Forbidden, InvalidInput
from council.models import Member
from sessions import services as sittings
from sessions.access import Role, access_sitting, can, member_of
from sessions.api.common import item_in, vote_for
from sessions.models import AgendaItem, Sitting

from . import services
from .models import Choice, Vote

COUNTED = ["for", "against", "abstain"]
VOTE_ERRORS = errors(400, 401, 403, 404, 409)

# --- Inputs ---------------------------------------------------------------------------------


class VoteIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=Vote.Kind.choices)
    question = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    roll_call = IdListField(required=False)
    secret = IdListField(required=False)
    # R19 / R20: an election's candidates; the vote's chair (R21; refused for R20's
    # elections unless it is the oldest member present).
    candidates = IdListField(required=False)
    chair = IdField(required=False, allow_null=True)


class HandsIn(StrictSerializer):
    for_ = CountField(required=False)
    against = CountField(required=False)
    abstain = CountField(required=False)
    # R16: the chair's own hand, one of the counts; on a tie of a public vote it decides.
    chair_choice = serializers.ChoiceField(choices=COUNTED, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "for" is a Python keyword: declared as for_, bound anew as "for" (the copy keeps
        # for_ as its source, and the votes for would be dropped).
        self.fields.pop("for_")
        self.fields["for"] = CountField(required=False)


class CountsIn(StrictSerializer):
    counts = HandsIn(required=False)
    # The second click: close although voices are missing (code vote_close_unconfirmed).
    confirm = serializers.BooleanField(required=False, default=False)


class UrgencyIn(StrictSerializer):
    accepted = serializers.BooleanField()


class InterestIn(StrictSerializer):
    item = IdField()
    member = IdField(required=False)
    declared = serializers.BooleanField(required=False, default=True)


class RequestersIn(StrictSerializer):
    requested_by = IdListField()


class AnswerIn(StrictSerializer):
    member = IdField()
    choice = serializers.ChoiceField(choices=[c for c, _label in Choice.choices])


class NextRoundIn(StrictSerializer):
    candidates = IdListField(required=False)


# --- Outputs --------------------------------------------------------------------------------


class VoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    voices = serializers.IntegerField()


class RoundOut(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    voices = serializers.IntegerField()
    chair = serializers.IntegerField()
    candidates = serializers.ListField(child=serializers.IntegerField())


class ResultOut(serializers.Serializer):
    """A closed vote's result: a motion adds for, against, abstain, adopted, casting_vote
    (R16: whether the chair's vote decided a tie), and in a public vote the chair's name,
    their own vote and the names by choice; an election adds its round, tallies and
    winner."""

    blank = serializers.IntegerField()
    expressed = serializers.IntegerField()
    cast = serializers.IntegerField()
    voices = serializers.IntegerField()
    adopted = serializers.BooleanField(required=False)
    casting_vote = serializers.BooleanField(required=False)
    chair = serializers.CharField(required=False)
    chair_vote = serializers.CharField(required=False, allow_null=True)


class UrgencyOut(serializers.Serializer):
    accepted = serializers.BooleanField()
    postponed = serializers.ListField(child=serializers.IntegerField())


class InterestOut(serializers.Serializer):
    item = serializers.IntegerField()
    member = serializers.IntegerField()
    declared = serializers.BooleanField()
    interests = serializers.ListField(child=serializers.IntegerField())


class SecretRequestOut(serializers.Serializer):
    requested_by = serializers.ListField(child=serializers.IntegerField())
    postponed = serializers.BooleanField()


class AnswerOut(serializers.Serializer):
    vote = serializers.IntegerField()
    member = serializers.IntegerField()
    choice = serializers.CharField()
    answered = serializers.IntegerField()
    voices = serializers.IntegerField()


# --- Helpers --------------------------------------------------------------------------------


def _members(sitting: Sitting, ids: list[int]) -> list[Member]:
    """The members named, in the order given, each once; an id of another assembly is a
    400, as an unknown one."""
    ids = list(dict.fromkeys(ids))
    found = {m.id: m for m in sitting.assembly.members.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise InvalidInput(_("No such member in this assembly."), code="unknown_member")
    return [found[i] for i in ids]


def _current_item(sitting: Sitting) -> AgendaItem:
    if sitting.current_item is None:
        raise InvalidInput(_("Take up an item first."), code="no_current_item")
    return sitting.current_item


def _example(name: str, value: dict[str, Any], summary: str = "") -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary or name, request_only=True)


def _answer(name: str, value: dict[str, Any], status: str = "200") -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[status])


# --- Endpoints ------------------------------------------------------------------------------


class Votes(APIView):
    @extend_schema(
        request=VoteIn,
        responses={201: VoteOut, **VOTE_ERRORS},
        examples=[
            _example("Show of hands", {"kind": "hands"}),
            _example(
                "Roll call asked by members present (R17)",
                {"kind": "electronic", "roll_call": [12, 13, 14]},
            ),
            _example(
                "Election with its candidates (R19, R20)",
                {"kind": "election", "question": "Élection du maire", "candidates": [12, 15]},
            ),
            _example(
                "Compte administratif, under the chair the council elected (R21)",
                {"kind": "hands", "chair": 14},
            ),
            _answer("Opened", {"id": 41, "voices": 19}, "201"),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """Opens the vote on the item under discussion. R17, R18: "roll_call" and "secret"
        list the members present who ask for it. R19, R20: an election names its
        candidates; the election of the mayor or adjoints is chaired by the oldest member
        present ("chair" may only name them: 409 election_chair with their name). R21: on
        the compte administratif "chair" names the chair the council elected, not the
        mayor (409 accounts_chair), who leaves for the vote."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = _current_item(sitting)
        data = valid(VoteIn, request)
        requests = {k: data[k] for k in ("roll_call", "secret") if k in data}
        chair_id = data.get("chair")
        vote = services.vote_open(
            item=item,
            kind=data["kind"],
            user=request.user,
            question=data["question"],
            requests=requests,
            candidates=_members(sitting, data.get("candidates") or []),
            chair=None if chair_id is None else _members(sitting, [chair_id])[0],
        )
        return Response({"id": vote.id, "voices": len(vote.eligible)}, status=201)


class VoteClose(APIView):
    @extend_schema(
        request=CountsIn,
        responses={200: ResultOut, **VOTE_ERRORS},
        examples=[
            _example("Ballots counted", {}),
            _example(
                "Show of hands with the chair's own hand (R16)",
                {"counts": {"for": 9, "against": 9, "abstain": 1, "chair_choice": "for"}},
            ),
            _example("Closed although voices are missing", {"confirm": True}),
            _answer(
                "A tie decided by the chair's vote (R16)",
                {
                    "for": 9,
                    "against": 9,
                    "abstain": 1,
                    "blank": 0,
                    "voices": 19,
                    "cast": 19,
                    "expressed": 18,
                    "adopted": True,
                    "casting_vote": True,
                    "chair": "Anne Martin",
                    "chair_vote": "for",
                    "names": {"for": [], "against": [], "abstain": []},
                },
            ),
        ],
    )
    def post(self, request: Request, vote_id: int) -> Response:
        """Closes and counts. A show of hands gives its counts and the chair's own hand
        ("chair_choice"): on a tie of a public vote it decides (voix prépondérante), so a
        tie without it is refused (409 casting_vote_missing), and a chair who has no voice
        has no casting vote (chair_has_no_voice). In a secret ballot a tie rejects."""
        vote = vote_for(request, vote_id, Role.CHAIR)
        data = valid(CountsIn, request)
        vote = services.vote_close(
            vote=vote, user=request.user, counts=data.get("counts"), confirm=data["confirm"]
        )
        return Response(vote.result)


class NextRound(APIView):
    @extend_schema(
        request=NextRoundIn,
        responses={201: RoundOut, **VOTE_ERRORS},
        examples=[
            _example("The same candidates", {}),
            _example("Candidates withdrawn or added", {"candidates": [12, 17]}),
            _answer(
                "Second round",
                {"id": 42, "round": 2, "voices": 19, "chair": 14, "candidates": [12, 17]},
                "201",
            ),
        ],
    )
    def post(self, request: Request, vote_id: int) -> Response:
        """R19: a further round of an election that no candidate won (absolute majority in
        rounds one and two, relative in the third); without "candidates" the same ones.
        409 no_next_round when none is due. R20: each round chaired by the oldest member
        then present."""
        vote = vote_for(request, vote_id, Role.CHAIR)
        data = valid(NextRoundIn, request)
        candidates = _members(vote.sitting, data.get("candidates") or [])
        following = services.election_next_round(
            vote=vote, user=request.user, candidates=candidates or None
        )
        return Response(
            {
                "id": following.id,
                "round": following.round_no,
                "voices": len(following.eligible),
                "chair": following.chair_id,
                "candidates": sorted(following.candidates.values_list("id", flat=True)),
            },
            status=201,
        )


class Answers(APIView):
    @extend_schema(
        request=AnswerIn,
        responses={201: AnswerOut, **VOTE_ERRORS},
        examples=[
            _example("A member's answer", {"member": 12, "choice": "for"}),
            _answer(
                "Recorded",
                {"vote": 41, "member": 12, "choice": "for", "answered": 7, "voices": 19},
                "201",
            ),
        ],
    )
    def post(self, request: Request, vote_id: int) -> Response:
        """R17: in a roll call (scrutin public par appel nominal) the chair calls each name
        and records the answer, also in a show of hands; a member represented is answered
        for by their proxy holder. 409 already_voted for a name answered already."""
        vote = vote_for(request, vote_id, Role.CHAIR)
        data = valid(AnswerIn, request)
        member = _members(vote.sitting, [data["member"]])[0]
        ballot = services.answer_record(
            vote=vote, member=member, choice=data["choice"], user=request.user
        )
        return Response(
            {
                "vote": vote.id,
                "member": member.id,
                "choice": ballot.choice,
                "answered": vote.ballots.count(),
                "voices": len(vote.eligible),
            },
            status=201,
        )


class SecretRequest(APIView):
    @extend_schema(
        request=RequestersIn,
        responses={201: SecretRequestOut, **VOTE_ERRORS},
        examples=[
            _example("Members present asking", {"requested_by": [12, 13, 14, 15, 16, 17]}),
            _answer("Recorded", {"requested_by": [12, 13, 14, 15, 16, 17], "postponed": False}),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R18, R27: members present ask for a secret ballot on the item under discussion
        (a third of those present makes it due: the vote is then opened as "secret"). In a
        sitting by teleconference the request postpones the item to a sitting held in one
        place ("postponed"). Each requester must be a member present (400 otherwise)."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = _current_item(sitting)
        members = _members(sitting, valid(RequestersIn, request)["requested_by"])
        postponed = services.secret_request_record(
            item=item, requested_by=members, user=request.user
        )
        return Response(
            {"requested_by": [m.id for m in members], "postponed": postponed}, status=201
        )


class Urgency(APIView):
    @extend_schema(
        request=UrgencyIn,
        responses={200: UrgencyOut, **VOTE_ERRORS},
        examples=[
            _example("The council accepts the urgency", {"accepted": True}),
            _example("The council rejects it", {"accepted": False}),
            _answer(
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
        sitting = sittings.urgency_decide(sitting=sitting, accepted=accepted, user=request.user)
        postponed = sitting.items.filter(state=AgendaItem.State.POSTPONED)
        return Response(
            {"accepted": accepted, "postponed": sorted(postponed.values_list("id", flat=True))}
        )


class Interests(APIView):
    @extend_schema(
        request=InterestIn,
        responses={200: InterestOut, 201: InterestOut, **VOTE_ERRORS},
        examples=[
            _example("The chair records a member's interest", {"item": 7, "member": 12}),
            _example("A member declares their own", {"item": 7}),
            _example("Withdrawn", {"item": 7, "member": 12, "declared": False}),
            _answer(
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
        own = member_of(request.user, sitting.assembly_id)
        member_id = data.get("member") or (own.id if own else None)
        if member_id is None:
            raise InvalidInput(_("Name the member concerned."), code="no_member")
        if (own is None or member_id != own.id) and not can(request.user, sitting, Role.CHAIR):
            raise Forbidden(_("Only the chair records another member's interest."))
        member = _members(sitting, [member_id])[0]
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
