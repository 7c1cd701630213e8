"""Preparing a sitting over the API, as the clerk's pages do (sessions/views/clerk.py):
editing a draft, attaching a document or the note of synthesis to an item, convening."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import parsers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import errors, valid
from council.parsing import parse_optional_member

from .. import services
from ..access import Role, access_sitting
from ..api_views import ConvocationOut, SittingDetail, SittingOut
from ..inputs import item_in, rooms_in
from ..models import Sitting
from .serializers import ConvocationIn, DocumentIn, DocumentOut, SittingPatchIn


class SittingEdit(SittingDetail):
    """GET as before (sessions/api_views.py); PATCH edits a draft, as the edit page."""

    def get_permissions(self) -> list[Any]:
        """The public reads the sitting; an edit needs credentials (401 without)."""
        if self.request.method == "GET":
            return list(super().get_permissions())
        return [IsAuthenticated()]

    @extend_schema(
        request=SittingPatchIn,
        responses={200: SittingOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Move the sitting",
                value={
                    "title": "Conseil municipal de mars",
                    "starts_at": "2027-03-12T18:30:00+01:00",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Urgency (R5)",
                value={"urgency": True, "urgency_reason": "Subvention à voter avant le 15."},
                request_only=True,
            ),
        ],
    )
    def patch(self, request: Request, sitting_id: int) -> Response:
        """A draft's fields; those left out keep their value. Refused (409) once the
        convocation is sent; a room of another assembly, or a chamber given as a remote
        room, is a 400."""
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        data = valid(SittingPatchIn, request)
        fields: dict[str, Any] = {
            "title": sitting.title,
            "starts_at": sitting.starts_at,
            "place": sitting.place,
            "remote_rooms": list(sitting.remote_rooms.all()),
            "urgency": sitting.urgency,
            "urgency_reason": sitting.urgency_reason,
            "first_after_renewal": sitting.first_after_renewal,
        }
        if "place" in data:
            data["place"] = rooms_in(sitting.assembly, [data["place"]])[0]
        if "remote_rooms" in data:
            data["remote_rooms"] = rooms_in(sitting.assembly, data["remote_rooms"])
        fields.update(data)
        sitting = services.sitting_update(sitting=sitting, user=request.user, **fields)
        return Response(SittingOut(Sitting.objects.get(pk=sitting.pk)).data)


class Documents(APIView):
    parser_classes = (parsers.MultiPartParser,)

    @extend_schema(
        request={"multipart/form-data": DocumentIn},
        responses={201: DocumentOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "The note of synthesis",
                value={"kind": "synthesis", "title": "Note explicative de synthèse"},
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
    )
    def post(self, request: Request, sitting_id: int, item_id: int) -> Response:
        """A PDF for an item of a draft sitting: "report", "synthesis" (the note of
        synthesis, R3) or "annex". The same checks as the page: a PDF, readable, at most
        SEANCE_MAX_UPLOAD_BYTES (400 upload_refused otherwise); 409 once convened."""
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        item = item_in(sitting, item_id)
        data = valid(DocumentIn, request)
        document = services.document_attach(
            item=item,
            user=request.user,
            kind=data["kind"],
            title=data["title"],
            upload=data["file"],
        )
        return Response(DocumentOut(document).data, status=201)


class Convocation(APIView):
    @extend_schema(
        request=ConvocationIn,
        responses={201: ConvocationOut, **errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample("The chair convenes", value={}, request_only=True),
            OpenApiExample(
                "A replacement convenes (R1)",
                value={"convened_by": 12, "replacement_reason": "Le maire est empêché."},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        """R1-R9: checks the notice and the notes, enters the convocation in the register,
        publishes it and sends it to every member in office."""
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        data = valid(ConvocationIn, request)
        convocation = services.convocation_send(
            sitting=sitting,
            user=request.user,
            convened_by=parse_optional_member(
                sitting.assembly, data.get("convened_by"), field="convened_by"
            ),
            replacement_reason=data["replacement_reason"],
        )
        return Response(
            {
                "register_number": convocation.register_number,
                "clear_days": convocation.clear_days,
                "pdf_sha256": convocation.pdf_sha256,
            },
            status=201,
        )
