"""The REST API over the same services as the pages and websockets.

Thin views: a serializer checks the input's shape (its ids read by council.parsing, its
unknown fields refused), `access_sitting` / `access_assembly` check who is asking, every
id is checked against the sitting (sessions.inputs, council.parsing), a service does the
work; a refusal is a DomainError, turned into a 4xx by council.api.exception_handler. Each
endpoint's schema declares its answers and its errors (council.api.errors). The vote's
endpoints (ballots, the secret ballot's waiver...) are voting.api's; the agenda's, the
running sitting's and the minutes' are in sessions/api/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import IdField, IdListField, StrictSerializer, errors, valid
from council.errors import InvalidInput, NotFound
from council.models import Assembly
from council.parsing import parse_id, parse_member, parse_single
from sessions.errors import SittingErrorCode

from . import services
from .access import Role, access_assembly, access_sitting, can, clerk_assemblies
from .api.snapshot import SnapshotOut
from .inputs import item_in, optional_room_in, rooms_in
from .live.snapshots import chair_snapshot, public_snapshot
from .minutes.selectors import published_deliberations, scdl_record
from .models import AgendaItem, Sitting, actes
from .selectors import quorum_for
from .views.archive import publication_url

# --- Inputs ---------------------------------------------------------------------------------


class SittingIn(StrictSerializer):
    assembly = IdField()
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    remote_rooms = IdListField(required=False)
    urgency = serializers.BooleanField(default=False)
    urgency_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )
    first_after_renewal = serializers.BooleanField(default=False)


class ItemIn(StrictSerializer):
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=AgendaItem.Kind.choices, default="deliberation")
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    matter = serializers.ChoiceField(choices=actes.CHOICES, required=False, default="")


class TransitionIn(StrictSerializer):
    action = serializers.ChoiceField(choices=["open", "suspend", "resume", "close"])
    # R2: opening outside the convened time, confirmed with a reason (logged).
    open_anyway = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class ItemRefIn(StrictSerializer):
    item = IdField()


class AttendanceIn(StrictSerializer):
    member = IdField()
    kind = serializers.ChoiceField(choices=["arrival", "departure"])
    mode = serializers.ChoiceField(choices=["chamber", "remote_room", "remote"], default="chamber")
    room = IdField(required=False, allow_null=True)


# --- Outputs --------------------------------------------------------------------------------


class SittingOut(serializers.ModelSerializer[Sitting]):
    class Meta:
        model = Sitting
        fields = ["id", "assembly", "title", "starts_at", "state", "in_closed_session"]


class ItemOut(serializers.ModelSerializer[AgendaItem]):
    matter = serializers.CharField(read_only=True, help_text="ACTES matter code, or empty")

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "kind", "state", "matter"]


class QuorumOut(serializers.Serializer[Any]):
    in_office = serializers.IntegerField()
    present = serializers.IntegerField()
    counted = serializers.IntegerField()
    needed = serializers.IntegerField()
    reached = serializers.BooleanField()
    exempt = serializers.BooleanField()
    excluded = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField(allow_blank=True)


class ConvocationOut(serializers.Serializer[Any]):
    register_number = serializers.CharField()
    clear_days = serializers.IntegerField()
    pdf_sha256 = serializers.CharField()


class AttendanceOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    quorum = QuorumOut()


class DeliberationsOut(serializers.Serializer[Any]):
    schema = serializers.CharField()
    count = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())


# --- Helpers --------------------------------------------------------------------------------


def _state(request: Request, sitting: Sitting) -> dict[str, Any]:
    if can(request.user, sitting, Role.MEMBER):
        return chair_snapshot(sitting)
    return public_snapshot(sitting)


# --- Endpoints ------------------------------------------------------------------------------


class SittingList(APIView):
    @extend_schema(responses={200: SittingOut(many=True), **errors(401, 403)})
    def get(self, request: Request) -> Response:
        sittings = Sitting.objects.exclude(state=Sitting.State.DRAFT)
        clerk_of = clerk_assemblies(request.user).values("pk")
        drafts = Sitting.objects.filter(state=Sitting.State.DRAFT, assembly_id__in=clerk_of)
        return Response(SittingOut((sittings | drafts).order_by("-starts_at"), many=True).data)

    @extend_schema(request=SittingIn, responses={201: SittingOut, **errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = valid(SittingIn, request)
        assembly_id = data.pop("assembly")
        if not Assembly.objects.filter(pk=assembly_id).exists():
            raise InvalidInput(_("No such assembly."), code=SittingErrorCode.UNKNOWN_ASSEMBLY)
        refusal = _("Only the clerk creates sittings.")
        assembly = access_assembly(request.user, assembly_id, Role.CLERK, refusal=refusal)
        data["remote_rooms"] = rooms_in(assembly, data.get("remote_rooms", []))
        sitting = services.sitting_create(user=request.user, assembly=assembly, **data)
        return Response(SittingOut(sitting).data, status=201)


class SittingDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: SnapshotOut, **errors(401, 403, 404)})
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
        return Response(_state(request, sitting))


class ItemList(APIView):
    @extend_schema(request=ItemIn, responses={201: ItemOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        item = services.item_add(sitting=sitting, user=request.user, **valid(ItemIn, request))
        return Response(ItemOut(item).data, status=201)


class Transition(APIView):
    ACTIONS: dict[str, Callable[..., Sitting]] = {
        "open": services.sitting_open,
        "suspend": services.sitting_suspend,
        "resume": services.sitting_resume,
        "close": services.sitting_close,
    }

    @extend_schema(
        request=TransitionIn, responses={200: SittingOut, **errors(400, 401, 403, 404, 409)}
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        data = valid(TransitionIn, request)
        extra = (
            {"open_anyway": data["open_anyway"], "reason": data["reason"]}
            if data["action"] == "open"
            else {}
        )
        sitting = self.ACTIONS[data["action"]](sitting=sitting, user=request.user, **extra)
        return Response(SittingOut(sitting).data)


class CurrentItem(APIView):
    @extend_schema(request=ItemRefIn, responses={200: ItemOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = item_in(sitting, valid(ItemRefIn, request)["item"])
        return Response(
            ItemOut(services.item_take_up(sitting=sitting, item=item, user=request.user)).data
        )


class Attendance(APIView):
    @extend_schema(
        request=AttendanceIn, responses={201: AttendanceOut, **errors(400, 401, 403, 404, 409)}
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.ATTENDANCE)
        data = valid(AttendanceIn, request)
        room = optional_room_in(sitting.assembly, data.get("room"))
        event = services.attendance_record(
            sitting=sitting,
            member=parse_member(sitting.assembly, data["member"]),
            kind=data["kind"],
            mode=data["mode"],
            room=room,
            user=request.user,
        )
        return Response(
            {"id": event.id, "at": event.at, "quorum": quorum_for(sitting).as_dict()}, status=201
        )


class Quorum(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "item",
                OpenApiTypes.INT,
                description="The quorum for this item of the sitting (R13: interests).",
            )
        ],
        responses={200: QuorumOut, **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
        item = parse_single(request.query_params.getlist("item"), field="item")
        item_id = None if item is None else parse_id(item, field="item", strings=True)
        return Response(
            quorum_for(sitting, None if item_id is None else item_in(sitting, item_id)).as_dict()
        )


class Deliberations(APIView):
    """Open data: the assembly's published deliberations, SCDL "Délibérations" 2.1 fields."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: DeliberationsOut, **errors(404)})
    def get(self, request: Request, slug: str) -> Response:
        assembly = Assembly.objects.filter(slug=slug).first()
        if assembly is None:
            raise NotFound(_("No such assembly."))
        rows = [
            scdl_record(d, publication_url(request, d.publication))  # type: ignore[arg-type]
            for d in published_deliberations(assembly)
        ]
        return Response({"schema": "scdl/deliberations 2.1", "count": len(rows), "results": rows})
