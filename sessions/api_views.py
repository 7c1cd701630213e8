"""The REST API over the same services as the pages and websockets.

Thin views: a serializer checks the input's shape, `access_sitting` checks who is asking,
a service does the work; a refusal is a DomainError, turned into a 4xx by
council.api.exception_handler.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.errors import Forbidden, InvalidInput, NotFound
from council.models import Assembly, Member, Room, StaffRole
from voting import services as voting
from voting.models import Vote

from . import services
from .access import Role, access_sitting, can, member_of, staff_roles
from .minutes.selectors import published_deliberations, scdl_record
from .models import AgendaItem, Sitting
from .selectors import chair_snapshot, public_snapshot, quorum_for
from .views.archive import publication_url


class SittingIn(serializers.Serializer):
    assembly = serializers.PrimaryKeyRelatedField(queryset=Assembly.objects.all())
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    remote_rooms = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), many=True, required=False
    )
    urgency = serializers.BooleanField(default=False)
    urgency_reason = serializers.CharField(required=False, allow_blank=True, default="")
    first_after_renewal = serializers.BooleanField(default=False)


class SittingOut(serializers.ModelSerializer):
    class Meta:
        model = Sitting
        fields = ["id", "assembly", "title", "starts_at", "state", "in_closed_session"]


class ItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=AgendaItem.Kind.choices, default="deliberation")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "kind", "state"]


class TransitionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=["open", "suspend", "resume", "close"])


class ItemRefIn(serializers.Serializer):
    item = serializers.IntegerField()


class AttendanceIn(serializers.Serializer):
    member = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["arrival", "departure"])
    mode = serializers.ChoiceField(choices=["chamber", "remote_room", "remote"], default="chamber")
    room = serializers.IntegerField(required=False, allow_null=True)


class ProxyIn(serializers.Serializer):
    holder = serializers.IntegerField()
    sittings = serializers.ListField(child=serializers.IntegerField(), required=False)


class VoteIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Vote.Kind.choices)
    question = serializers.CharField(required=False, allow_blank=True, default="")
    roll_call = serializers.ListField(child=serializers.IntegerField(), required=False)
    secret = serializers.ListField(child=serializers.IntegerField(), required=False)


class BallotIn(serializers.Serializer):
    choice = serializers.CharField(max_length=20)
    client_id = serializers.CharField(max_length=64)
    on_behalf_of = serializers.IntegerField(required=False, allow_null=True)


class CountsIn(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _member(sitting: Sitting, member_id: int | None) -> Member:
    member = sitting.assembly.members.filter(pk=member_id or 0).first()
    if member is None:
        raise InvalidInput(_("No such member in this assembly."), code="unknown_member")
    return member


def _state(request: Request, sitting: Sitting) -> dict[str, Any]:
    if can(request.user, sitting, Role.MEMBER):
        return chair_snapshot(sitting)
    return public_snapshot(sitting)


class SittingList(APIView):
    @extend_schema(responses=SittingOut(many=True))
    def get(self, request: Request) -> Response:
        sittings = Sitting.objects.exclude(state=Sitting.State.DRAFT)
        clerk_of = StaffRole.objects.filter(
            user_id=request.user.pk or 0, role=StaffRole.Role.CLERK
        ).values("assembly_id")
        drafts = Sitting.objects.filter(state=Sitting.State.DRAFT, assembly_id__in=clerk_of)
        return Response(SittingOut((sittings | drafts).order_by("-starts_at"), many=True).data)

    @extend_schema(request=SittingIn, responses={201: SittingOut})
    def post(self, request: Request) -> Response:
        data = _valid(SittingIn, request)
        if "clerk" not in staff_roles(request.user, data["assembly"].id):
            raise Forbidden(_("Only the clerk creates sittings."))
        sitting = services.sitting_create(user=request.user, **data)
        return Response(SittingOut(sitting).data, status=201)


class SittingDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=dict)
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.PUBLIC)
        return Response(_state(request, sitting))


class ItemList(APIView):
    @extend_schema(request=ItemIn, responses={201: ItemOut})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        item = services.item_add(sitting=sitting, user=request.user, **_valid(ItemIn, request))
        return Response(ItemOut(item).data, status=201)


class Convocation(APIView):
    @extend_schema(request=None, responses={201: dict})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        convocation = services.convocation_send(sitting=sitting, user=request.user)
        return Response(
            {
                "register_number": convocation.register_number,
                "clear_days": convocation.clear_days,
                "pdf_sha256": convocation.pdf_sha256,
            },
            status=201,
        )


class Transition(APIView):
    ACTIONS = {
        "open": services.sitting_open,
        "suspend": services.sitting_suspend,
        "resume": services.sitting_resume,
        "close": services.sitting_close,
    }

    @extend_schema(request=TransitionIn, responses=SittingOut)
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        action = _valid(TransitionIn, request)["action"]
        sitting = self.ACTIONS[action](sitting=sitting, user=request.user)
        return Response(SittingOut(sitting).data)


class CurrentItem(APIView):
    @extend_schema(request=ItemRefIn, responses=ItemOut)
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        item = sitting.items.filter(pk=_valid(ItemRefIn, request)["item"]).first()
        if item is None:
            raise InvalidInput(_("No such item in this sitting."), code="unknown_item")
        return Response(
            ItemOut(services.item_take_up(sitting=sitting, item=item, user=request.user)).data
        )


class Attendance(APIView):
    @extend_schema(request=AttendanceIn, responses={201: dict})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.ATTENDANCE)
        data = _valid(AttendanceIn, request)
        room = sitting.assembly.rooms.filter(pk=data.get("room") or 0).first()
        event = services.attendance_record(
            sitting=sitting,
            member=_member(sitting, data["member"]),
            kind=data["kind"],
            mode=data["mode"],
            room=room,
            user=request.user,
        )
        return Response(
            {"id": event.id, "at": event.at, "quorum": quorum_for(sitting).as_dict()}, status=201
        )


class Quorum(APIView):
    @extend_schema(responses=dict)
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
        item = sitting.items.filter(pk=request.query_params.get("item") or 0).first()
        return Response(quorum_for(sitting, item).as_dict())


class Proxies(APIView):
    @extend_schema(request=ProxyIn, responses={201: dict})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.MEMBER)
        grantor = member_of(request.user, sitting.assembly_id)
        if grantor is None:
            raise InvalidInput(_("Only a member of the council gives a proxy."), code="not_member")
        data = _valid(ProxyIn, request)
        covered = list(
            Sitting.objects.filter(
                assembly=sitting.assembly, pk__in=data.get("sittings") or [sitting.pk]
            )
        )
        proxy = services.proxy_grant(
            grantor=grantor,
            holder=_member(sitting, data["holder"]),
            sittings=covered,
            user=request.user,
        )
        return Response({"id": proxy.id, "sittings": [s.id for s in covered]}, status=201)


class Votes(APIView):
    @extend_schema(request=VoteIn, responses={201: dict})
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CHAIR)
        if sitting.current_item is None:
            raise InvalidInput(_("Take up an item first."), code="no_current_item")
        data = _valid(VoteIn, request)
        requests = {k: data[k] for k in ("roll_call", "secret") if k in data}
        vote = voting.vote_open(
            item=sitting.current_item,
            kind=data["kind"],
            user=request.user,
            question=data["question"],
            requests=requests,
        )
        return Response({"id": vote.id, "voices": len(vote.eligible)}, status=201)


def _vote(request: Request, vote_id: int, role: Role) -> Vote:
    vote = Vote.objects.select_related("sitting").filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("No such vote."))
    access_sitting(request.user, vote.sitting_id, role)
    return vote


class Ballots(APIView):
    @extend_schema(request=BallotIn, responses={201: dict})
    def post(self, request: Request, vote_id: int) -> Response:
        vote = _vote(request, vote_id, Role.MEMBER)
        voter = member_of(request.user, vote.sitting.assembly_id)
        if voter is None:
            raise InvalidInput(_("Only a member of the council can vote."), code="not_member")
        data = _valid(BallotIn, request)
        grantor = _member(vote.sitting, data["on_behalf_of"]) if data.get("on_behalf_of") else None
        receipt = voting.ballot_cast(
            vote=vote,
            voter=voter,
            choice=data["choice"],
            client_id=data["client_id"],
            on_behalf_of=grantor,
        )
        return Response(receipt.as_dict(), status=200 if receipt.duplicate else 201)


class VoteClose(APIView):
    @extend_schema(request=CountsIn, responses=dict)
    def post(self, request: Request, vote_id: int) -> Response:
        vote = _vote(request, vote_id, Role.CHAIR)
        vote = voting.vote_close(
            vote=vote, user=request.user, counts=_valid(CountsIn, request).get("counts")
        )
        return Response(vote.result)


class Deliberations(APIView):
    """Open data: the assembly's published deliberations, SCDL "Délibérations" 2.1 fields."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=dict)
    def get(self, request: Request, slug: str) -> Response:
        assembly = Assembly.objects.filter(slug=slug).first()
        if assembly is None:
            raise NotFound(_("No such assembly."))
        rows = [
            scdl_record(d, publication_url(request, d.publication))  # type: ignore[arg-type]
            for d in published_deliberations(assembly)
        ]
        return Response({"schema": "scdl/deliberations 2.1", "count": len(rows), "results": rows})
