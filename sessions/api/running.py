"""Running a sitting over the API, as the chair's desk does (sessions/consumers.py,
ChairConsumer): naming the secretary, entering and leaving a closed session, adjourning
for lack of quorum; and a member's proxy, as the seat page (sessions/views/live.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import errors, valid
from council.parsing import parse_member
from voting import services as voting

from .. import services
from ..access import Role, access_member, access_sitting
from ..api_views import SittingOut
from ..inputs import sittings_of
from ..services.requesters import present_requesters
from .common import UPLOAD_PARSERS
from .serializers import (
    AdjournIn,
    ClosedSessionIn,
    ClosedSessionOut,
    EmptyIn,
    MemberRefIn,
    ProxyFormIn,
    ProxyIn,
    ProxyOut,
    SecretaryOut,
)


class Secretary(APIView):
    @extend_schema(
        request=MemberRefIn,
        responses={200: SecretaryOut, **errors(400, 401, 403, 404, 409)},
        examples=[OpenApiExample("Name a member", value={"member": 12}, request_only=True)],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """The secretary of the sitting, a member in office (needed to open it; signs the
        minutes, R29). The chair or the clerk names them."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        member = parse_member(sitting.assembly, valid(MemberRefIn, request)["member"])
        services.secretary_name(sitting=sitting, member=member, user=request.user)
        return Response({"secretary": member.pk, "name": member.full_name})


class ClosedSession(APIView):
    @extend_schema(
        request=ClosedSessionIn,
        responses={201: ClosedSessionOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Three members ask, by show of hands",
                value={"requested_by": [3, 4, 5], "kind": "hands"},
                request_only=True,
            ),
            OpenApiExample(
                "The vote is open",
                value={"vote": 88, "voices": 9, "in_closed_session": False},
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R25: asked by the mayor or three members present ("requested_by"), the council
        votes on it, by show of hands or electronically, as from the desk
        (voting.services.closed_session_vote_open). The vote closes like any other
        (POST /api/votes/{id}/close/, with the counts of a show of hands): adopted by the
        absolute majority of the members present or represented, the sitting goes into
        closed session; rejected, it stays public."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        data = valid(ClosedSessionIn, request)
        vote = voting.closed_session_vote_open(
            sitting=sitting,
            requested_by=present_requesters(sitting, data["requested_by"], field="requested_by"),
            kind=data["kind"],
            user=request.user,
        )
        return Response(
            {"vote": vote.id, "voices": len(vote.eligible), "in_closed_session": False},
            status=201,
        )

    @extend_schema(
        request=EmptyIn, responses={200: ClosedSessionOut, **errors(400, 401, 403, 404, 409)}
    )
    def delete(self, request: Request, sitting_id: int) -> Response:
        """The sitting is public again (409 not_closed if it was not in closed session)."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        valid(EmptyIn, request)
        services.closed_session_leave(sitting=sitting, user=request.user)
        return Response({"vote": None, "voices": None, "in_closed_session": False})


class Adjournment(APIView):
    @extend_schema(
        request=AdjournIn,
        responses={201: SittingOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Second convocation",
                value={"starts_at": "2027-03-16T18:30:00+01:00"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R12: without quorum, the sitting is closed and its pending items carried to a
        second sitting, a draft to convene (no quorum needed there for those items).
        Refused (409 quorum_reached) while the quorum is reached. Answers the new sitting."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        data = valid(AdjournIn, request)
        second = services.sitting_adjourn_for_quorum(
            sitting=sitting, user=request.user, new_starts_at=data["starts_at"]
        )
        return Response(SittingOut(second).data, status=201)


class Proxies(APIView):
    parser_classes = UPLOAD_PARSERS

    @extend_schema(
        request={"application/json": ProxyIn, "multipart/form-data": ProxyFormIn},
        responses={201: ProxyOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample("For this sitting", value={"holder": 12}, request_only=True),
            OpenApiExample(
                "Illness, four sittings (R14)",
                value={"holder": 12, "sittings": [40, 41, 42, 43], "illness": True},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R14: the asking member's proxy to "holder" for "sittings" (this one if none).
        A duly established illness ("illness") lifts the limit of three consecutive
        sittings. As a multipart form, "document" is the signed proxy (a PDF, the page's
        checks); otherwise the platform writes it."""
        sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
        grantor = access_member(
            request.user, sitting, _("Only a member of the council gives a proxy.")
        )
        multipart = request.content_type.startswith("multipart/")
        data = valid(ProxyFormIn if multipart else ProxyIn, request)
        covered = sittings_of(sitting, data.get("sittings") or [sitting.pk])
        proxy = services.proxy_grant(
            grantor=grantor,
            holder=parse_member(sitting.assembly, data["holder"], field="holder"),
            sittings=covered,
            user=request.user,
            document=data.get("document"),
            illness=data["illness"],
        )
        return Response(
            {"id": proxy.id, "sittings": [s.id for s in covered], "illness": proxy.illness},
            status=201,
        )
