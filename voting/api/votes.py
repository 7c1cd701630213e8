"""The vote's own endpoints: opening it on the item under discussion, the ballots, the
roll-call answers, the close and count, an election's further round; over the same services
as the chair's desk (voting/actions.py) and with its permissions (voting.access)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import valid
from council.parsing import parse_member, parse_members, parse_optional_member
from sessions.access import Role, access_member, access_sitting

from .. import services
from ..access import access_vote
from .common import VOTE_ERRORS, answer, current_item, example
from .serializers import (
    AnswerIn,
    AnswerOut,
    BallotIn,
    CountsIn,
    NextRoundIn,
    ReceiptOut,
    ResultOut,
    RoundOut,
    VoteIn,
    VoteOut,
)


class Votes(APIView):
    @extend_schema(
        request=VoteIn,
        responses={201: VoteOut, **VOTE_ERRORS},
        examples=[
            example("Show of hands", {"kind": "hands"}),
            example(
                "Roll call asked by members present (R17)",
                {"kind": "electronic", "roll_call": [12, 13, 14]},
            ),
            example(
                "Election with its candidates (R19, R20)",
                {"kind": "election", "question": "Élection du maire", "candidates": [12, 15]},
            ),
            example(
                "Compte administratif, under the chair the council elected (R21)",
                {"kind": "hands", "chair": 14},
            ),
            answer("Opened", {"id": 41, "voices": 19}, "201"),
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
        item = current_item(sitting)
        data = valid(VoteIn, request)
        requests = {k: data[k] for k in ("roll_call", "secret") if k in data}
        vote = services.vote_open(
            item=item,
            kind=data["kind"],
            user=request.user,
            question=data["question"],
            requests=requests,
            candidates=parse_members(
                sitting.assembly, data.get("candidates") or [], field="candidates"
            ),
            chair=parse_optional_member(sitting.assembly, data.get("chair"), field="chair"),
        )
        return Response({"id": vote.id, "voices": len(vote.eligible)}, status=201)


class VoteClose(APIView):
    @extend_schema(
        request=CountsIn,
        responses={200: ResultOut, **VOTE_ERRORS},
        examples=[
            example("Ballots counted", {}),
            example(
                "Show of hands with the chair's own hand (R16)",
                {"counts": {"for": 9, "against": 9, "abstain": 1, "chair_choice": "for"}},
            ),
            example("Closed although voices are missing", {"confirm": True}),
            answer(
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
        vote = access_vote(request.user, vote_id, Role.CHAIR)
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
            example("The same candidates", {}),
            example("Candidates withdrawn or added", {"candidates": [12, 17]}),
            answer(
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
        vote = access_vote(request.user, vote_id, Role.CHAIR)
        data = valid(NextRoundIn, request)
        candidates = parse_members(
            vote.sitting.assembly, data.get("candidates") or [], field="candidates"
        )
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
            example("A member's answer", {"member": 12, "choice": "for"}),
            answer(
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
        vote = access_vote(request.user, vote_id, Role.CHAIR)
        data = valid(AnswerIn, request)
        member = parse_member(vote.sitting.assembly, data["member"])
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


class Ballots(APIView):
    @extend_schema(
        request=BallotIn,
        responses={200: ReceiptOut, 201: ReceiptOut, **VOTE_ERRORS},
    )
    def post(self, request: Request, vote_id: int) -> Response:
        """A ballot in the voter's own name, or with "on_behalf_of" (a member id, a JSON
        integer) in the name of the member whose proxy they hold (R15). 200: this
        client_id was already cast, the same receipt."""
        vote = access_vote(request.user, vote_id, Role.MEMBER)
        voter = access_member(
            request.user, vote.sitting, _("Only a member of the council can vote.")
        )
        data = valid(BallotIn, request)
        receipt = services.ballot_cast(
            vote=vote,
            voter=voter,
            choice=data["choice"],
            client_id=data["client_id"],
            on_behalf_of=parse_optional_member(
                vote.sitting.assembly, data.get("on_behalf_of"), field="on_behalf_of"
            ),
        )
        return Response(receipt.as_dict(), status=200 if receipt.duplicate else 201)
