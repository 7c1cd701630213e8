"""The REST API over the same services as the pages and websockets.

Thin views: a serializer checks the input's shape (its ids read by council.parsing, its
unknown fields refused), `access_sitting` checks who is asking, every id is checked
against the sitting, a service does the work; a refusal is a DomainError, turned into a
4xx by council.api.exception_handler. Each endpoint's schema declares its answers and its
errors (council.api.errors).
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
from council.errors import Forbidden, InvalidInput, NotFound
from council.models import Assembly, StaffRole
from council.parsing import parse_id, parse_single
from voting import services as voting

from . import services
from .access import Role, access_sitting, can, member_of, staff_roles
from .api.common import item_in, member_in, rooms_in, vote_for
from .minutes import actes
from .minutes.selectors import published_deliberations, scdl_record
from .models import AgendaItem, Sitting
from .selectors import chair_snapshot, public_snapshot, quorum_for
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


class BallotIn(StrictSerializer):
    choice = serializers.CharField(max_length=20)
    client_id = serializers.CharField(max_length=64)
    on_behalf_of = IdField(required=False, allow_null=True)


class WaiverIn(StrictSerializer):
    # R18: the members present who object; none for a unanimous waiver.
    objectors = IdListField(required=False)


class WaiverOut(serializers.Serializer):
    waived = serializers.BooleanField()
    present = serializers.ListField(child=serializers.DictField())
    objections = serializers.ListField(child=serializers.DictField())


# --- Outputs --------------------------------------------------------------------------------


class SittingOut(serializers.ModelSerializer):
    class Meta:
        model = Sitting
        fields = ["id", "assembly", "title", "starts_at", "state", "in_closed_session"]


class ItemOut(serializers.ModelSerializer):
    matter = serializers.CharField(read_only=True, help_text="ACTES matter code, or empty")

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "kind", "state", "matter"]


class QuorumOut(serializers.Serializer):
    in_office = serializers.IntegerField()
    present = serializers.IntegerField()
    counted = serializers.IntegerField()
    needed = serializers.IntegerField()
    reached = serializers.BooleanField()
    exempt = serializers.BooleanField()
    excluded = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField(allow_blank=True)


class SnapshotSittingOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    in_closed_session = serializers.BooleanField()
    starts_at = serializers.DateTimeField()


class SnapshotItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    rapporteur = serializers.CharField(allow_null=True)
    interests = serializers.ListField(child=serializers.IntegerField(), required=False)


class AttendanceCountsOut(serializers.Serializer):
    in_office = serializers.IntegerField()
    present = serializers.IntegerField()
    represented = serializers.IntegerField()
    absent = serializers.IntegerField()


class PublicQuorumOut(serializers.Serializer):
    """The public sees whether the quorum is reached and why; members see it all."""

    reached = serializers.BooleanField()
    explanation = serializers.CharField(allow_blank=True)
    in_office = serializers.IntegerField(required=False)
    present = serializers.IntegerField(required=False)
    counted = serializers.IntegerField(required=False)
    needed = serializers.IntegerField(required=False)
    exempt = serializers.BooleanField(required=False)
    excluded = serializers.ListField(child=serializers.CharField(), required=False)


class NameOut(serializers.Serializer):
    name = serializers.CharField()


class CandidateOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VoteSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.IntegerField(allow_null=True)  # none for the vote on the huis clos
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    purpose = serializers.CharField()  # "deliberation" or "closed_session" (R25)
    state = serializers.CharField()
    question = serializers.CharField(allow_blank=True)
    round = serializers.IntegerField()
    voices = serializers.IntegerField()
    cast = serializers.IntegerField()
    secret = serializers.BooleanField()
    candidates = CandidateOut(many=True)
    result = serializers.JSONField(allow_null=True)
    eligible = serializers.JSONField(required=False)
    voted = serializers.ListField(child=serializers.IntegerField(), required=False)


class SnapshotOut(serializers.Serializer):
    """A sitting as its public page shows it; a member, the chair and the staff also get
    the roll, the proxies, the speaking queue, the secretary, the chair and the urgency."""

    sitting = SnapshotSittingOut()
    current_item = SnapshotItemOut(allow_null=True)
    items = SnapshotItemOut(many=True)
    attendance = AttendanceCountsOut()
    quorum = PublicQuorumOut()
    speaker = NameOut(allow_null=True)
    vote = VoteSummaryOut(allow_null=True)
    server_time = serializers.DateTimeField()
    members = serializers.JSONField(required=False)
    proxies = serializers.JSONField(required=False)
    queue = serializers.JSONField(required=False)
    secretary = serializers.CharField(allow_null=True, required=False)
    chair = serializers.CharField(allow_null=True, required=False)
    urgency = serializers.JSONField(required=False)


class ConvocationOut(serializers.Serializer):
    register_number = serializers.CharField()
    clear_days = serializers.IntegerField()
    pdf_sha256 = serializers.CharField()


class AttendanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    quorum = QuorumOut()


class ReceiptOut(serializers.Serializer):
    vote = serializers.IntegerField()
    member = serializers.IntegerField()
    client_id = serializers.CharField()
    cast_at = serializers.DateTimeField()
    duplicate = serializers.BooleanField()


class DeliberationsOut(serializers.Serializer):
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
        clerk_of = StaffRole.objects.filter(
            user_id=request.user.pk or 0, role=StaffRole.Role.CLERK
        ).values("assembly_id")
        drafts = Sitting.objects.filter(state=Sitting.State.DRAFT, assembly_id__in=clerk_of)
        return Response(SittingOut((sittings | drafts).order_by("-starts_at"), many=True).data)

    @extend_schema(request=SittingIn, responses={201: SittingOut, **errors(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = valid(SittingIn, request)
        assembly = Assembly.objects.filter(pk=data.pop("assembly")).first()
        if assembly is None:
            raise InvalidInput(_("No such assembly."), code="unknown_assembly")
        if "clerk" not in staff_roles(request.user, assembly.id):
            raise Forbidden(_("Only the clerk creates sittings."))
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
        room = rooms_in(sitting.assembly, [data["room"]])[0] if data.get("room") else None
        event = services.attendance_record(
            sitting=sitting,
            member=member_in(sitting, data["member"]),
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


class SecretWaiver(APIView):
    @extend_schema(request=WaiverIn, responses={201: WaiverOut, **errors(400, 401, 403, 404, 409)})
    def post(self, request: Request, sitting_id: int) -> Response:
        """R18: the council waives the secret ballot of the nomination under discussion,
        unanimously; refused (409 secret_required_by_text) for the election of the mayor,
        adjoints, president or bureau (R20). The decision is recorded with every member
        present and the objections, and the vote opened next carries it."""
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        if sitting.current_item is None:
            raise InvalidInput(_("Take up an item first."), code="no_current_item")
        data = valid(WaiverIn, request)
        objectors = [member_in(sitting, i) for i in dict.fromkeys(data.get("objectors") or [])]
        decision = voting.secret_waiver_record(
            item=sitting.current_item, objectors=objectors, user=request.user
        )
        return Response(decision, status=201)


class Ballots(APIView):
    @extend_schema(
        request=BallotIn,
        responses={200: ReceiptOut, 201: ReceiptOut, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, vote_id: int) -> Response:
        """A ballot in the voter's own name, or with "on_behalf_of" (a member id, a JSON
        integer) in the name of the member whose proxy they hold (R15). 200: this
        client_id was already cast, the same receipt."""
        vote = vote_for(request, vote_id, Role.MEMBER)
        voter = member_of(request.user, vote.sitting.assembly_id)
        if voter is None:
            raise InvalidInput(_("Only a member of the council can vote."), code="not_member")
        data = valid(BallotIn, request)
        grantor_id = data.get("on_behalf_of")
        receipt = voting.ballot_cast(
            vote=vote,
            voter=voter,
            choice=data["choice"],
            client_id=data["client_id"],
            on_behalf_of=None if grantor_id is None else member_in(vote.sitting, grantor_id),
        )
        return Response(receipt.as_dict(), status=200 if receipt.duplicate else 201)


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
