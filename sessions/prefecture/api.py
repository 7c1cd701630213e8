"""The REST API of the transmission to the prefecture: an item's ACTES matter code (needed
before its vote) and a sitting's acts at the contrôle de légalité, with the same
permissions as the clerk's pages (the clerk of the sitting's assembly)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api import StrictSerializer, errors, valid

from .. import services
from ..access import Role, access_sitting
from ..api_views import ItemOut
from ..inputs import item_in
from ..models import Transmission, actes


class MatterIn(StrictSerializer):
    matter = serializers.ChoiceField(choices=actes.CHOICES)


class TransmissionOut(serializers.ModelSerializer[Transmission]):
    deliberation = serializers.CharField(source="publication.deliberation.identifier")

    class Meta:
        model = Transmission
        fields = [
            "id",
            "deliberation",
            "number",
            "nature_code",
            "matter_code",
            "decision_date",
            "state",
            "attempts",
            "last_error",
            "refusal",
            "act_id",
            "acknowledged_on",
            "control_entity",
        ]


class ItemMatter(APIView):
    @extend_schema(request=MatterIn, responses={200: ItemOut, **errors(400, 401, 403, 404)})
    def post(self, request: Request, sitting_id: int, item_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        item = services.item_matter_set(
            item=item_in(sitting, item_id),
            matter=valid(MatterIn, request)["matter"],
            user=request.user,
        )
        return Response(ItemOut(item).data)


class Transmissions(APIView):
    @extend_schema(responses={200: TransmissionOut(many=True), **errors(401, 403, 404)})
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = access_sitting(request.user, sitting_id, Role.CLERK)
        rows = sitting.transmissions.select_related("publication__deliberation")
        return Response(TransmissionOut(rows, many=True).data)
