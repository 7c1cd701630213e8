"""The minutes and publication over the API, as the minutes page does
(sessions/views/minutes.py), over sessions/minutes/services.py (R28-R31): the secretary,
the chair or the clerk drafts (a debate summary per item) and finalises or reopens; the
clerk puts the minutes on a later sitting's agenda, where the council adopts them by a
vote; the chair and the secretary sign; the clerk publishes them, and the list of
deliberations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import errors, valid

from ..access import Role, access_sitting
from ..api_views import ItemOut
from ..inputs import item_in
from ..minutes import services as minutes
from ..minutes.draft import minutes_draft, missing_fields
from ..models import Minutes, Publication, Sitting
from .serializers import (
    DebateIn,
    DebateOut,
    EmptyIn,
    ListPublishedOut,
    MinutesOut,
    PublicationOut,
    TargetIn,
)

MINUTES_ERRORS = errors(400, 401, 403, 404, 409)


def _record(
    request: Request,
    sitting_id: int,
    role: Role = Role.MINUTES,
    body: type[serializers.Serializer[Any]] = EmptyIn,
) -> tuple[Minutes, dict[str, Any]]:
    """The minutes of a held and closed sitting (made on first use, as the page does) and
    the input: who asks is checked first (MINUTES, or CLERK for the clerk's steps, which
    the clerk's MINUTES role includes), then the body (an unknown field refused), then
    the sitting's state."""
    sitting = access_sitting(request.user, sitting_id, role)
    data = valid(body, request) if request.method != "GET" else {}
    return minutes.minutes_start(sitting=sitting, user=request.user), data


def _publication(request: Request, publication: Publication) -> dict[str, Any]:
    return dict(PublicationOut(publication, context={"request": request}).data)


def _out(request: Request, record: Minutes) -> dict[str, Any]:
    record = Minutes.objects.select_related("sitting", "publication").get(pk=record.pk)
    missing = missing_fields(minutes_draft(record.sitting, record)) if record.is_draft else []
    return {
        "id": record.pk,
        "sitting": record.sitting_id,
        "state": record.state,
        "missing": missing,
        "debates": [
            {"item": d.item_id, "text": d.text} for d in record.summaries.order_by("item_id")
        ],
        "finalised_at": record.finalised_at,
        "adoption_item": record.adoption_item_id,
        "adopted_at": record.adopted_at,
        "chair_signed": bool(record.chair_signature),
        "secretary_signed": bool(record.secretary_signature),
        "publication": None
        if record.publication is None
        else _publication(request, record.publication),
    }


class MinutesDetail(APIView):
    @extend_schema(responses={200: MinutesOut, **MINUTES_ERRORS})
    def get(self, request: Request, sitting_id: int) -> Response:
        """The minutes of a held and closed sitting (409 sitting_not_closed otherwise): their
        state (draft, final, on_agenda, adopted, signed, published), what a draft still
        misses (R28), the debates written, the signatures and the publication."""
        return Response(_out(request, _record(request, sitting_id)[0]))


class Debates(APIView):
    @extend_schema(
        request=DebateIn,
        responses={200: DebateOut, **MINUTES_ERRORS},
        examples=[
            OpenApiExample(
                "The debate on an item",
                value={"item": 31, "text": "M. Durand demande le coût de l'entretien."},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R28: the substance of the debates on one item of the sitting (a draft only)."""
        record, data = _record(request, sitting_id, body=DebateIn)
        summary = minutes.debate_summary_save(
            minutes=record,
            item=item_in(record.sitting, data["item"]),
            text=data["text"],
            user=request.user,
        )
        return Response({"item": summary.item_id, "text": summary.text})


class Finalise(APIView):
    @extend_schema(request=EmptyIn, responses={200: MinutesOut, **MINUTES_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R28: the text is frozen; refused (409 minutes_incomplete, with "missing") while
        a required field is missing."""
        record, _data = _record(request, sitting_id)
        return Response(_out(request, minutes.minutes_finalise(minutes=record, user=request.user)))


class Reopen(APIView):
    @extend_schema(request=EmptyIn, responses={200: MinutesOut, **MINUTES_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """Finalised minutes back to draft, to correct them before they go on an agenda."""
        record, _data = _record(request, sitting_id)
        return Response(_out(request, minutes.minutes_reopen(minutes=record, user=request.user)))


class OnAgenda(APIView):
    @extend_schema(
        request=TargetIn,
        responses={201: ItemOut, **MINUTES_ERRORS},
        examples=[OpenApiExample("The next sitting", value={"sitting": 57}, request_only=True)],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R29: the clerk puts the finalised minutes first on the agenda of a later sitting
        of the assembly, still a draft; the council adopts them there by a vote. Answers
        the new item."""
        record, data = _record(request, sitting_id, Role.CLERK, TargetIn)
        target: Sitting = access_sitting(request.user, data["sitting"], Role.CLERK)
        item = minutes.minutes_put_on_agenda(minutes=record, sitting=target, user=request.user)
        return Response(ItemOut(item).data, status=201)


class Sign(APIView):
    @extend_schema(request=EmptyIn, responses={200: MinutesOut, **MINUTES_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R29: the adopted minutes signed by the chair or the secretary of the sitting
        (the asking user; 403 for anyone else)."""
        record, _data = _record(request, sitting_id)
        return Response(_out(request, minutes.minutes_sign(minutes=record, user=request.user)))


class Publish(APIView):
    @extend_schema(request=EmptyIn, responses={201: PublicationOut, **MINUTES_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R29, R31: the clerk puts the signed minutes online, a PDF with its SHA-256."""
        record, _data = _record(request, sitting_id, Role.CLERK)
        publication = minutes.minutes_publish(minutes=record, user=request.user)
        return Response(_publication(request, publication), status=201)


class DeliberationsPublish(APIView):
    @extend_schema(request=EmptyIn, responses={201: ListPublishedOut, **MINUTES_ERRORS})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R30-R31: the clerk puts online the list of the sitting's deliberations and each
        deliberation (then sent to the prefecture). Refused (409) if already published."""
        record, _data = _record(request, sitting_id, Role.CLERK)
        sitting = record.sitting
        listing = minutes.deliberations_publish(sitting=sitting, user=request.user)
        acts = [
            d.publication
            for d in sitting.deliberations.select_related("publication").order_by("number")
            if d.publication is not None
        ]
        return Response(
            {
                "listing": _publication(request, listing),
                "deliberations": [_publication(request, p) for p in acts],
            },
            status=201,
        )
