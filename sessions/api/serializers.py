"""Inputs and outputs of sessions/api/. Every input is a StrictSerializer (council.api): a
field it does not know is a 400 naming it, never ignored."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from council.api import IdField, IdListField, StrictSerializer
from council.errors import InvalidInput
from council.parsing import MAX_ID, MAX_IDS, parse_id

from ..models import Document, Minutes, Publication

# --- Inputs ---------------------------------------------------------------------------------


class EmptyIn(StrictSerializer):
    """An action that takes no field: any field sent is refused."""


class SittingPatchIn(StrictSerializer):
    """A draft sitting's fields; those left out keep their value."""

    title = serializers.CharField(max_length=200, required=False)
    starts_at = serializers.DateTimeField(required=False)
    place = IdField(required=False)
    remote_rooms = IdListField(required=False)
    urgency = serializers.BooleanField(required=False)
    urgency_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    first_after_renewal = serializers.BooleanField(required=False)


class DocumentIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    file = serializers.FileField(allow_empty_file=True)


class ConvocationIn(StrictSerializer):
    # R1: the chair convenes, or a replacement named with the reason.
    convened_by = IdField(required=False, allow_null=True)
    replacement_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class MemberRefIn(StrictSerializer):
    member = IdField()


class AdjournIn(StrictSerializer):
    # R12: the second sitting, at least three clear days later.
    starts_at = serializers.DateTimeField()


class ClosedSessionIn(StrictSerializer):
    # R25: the members present who ask for it (the mayor alone suffices), and how the
    # council votes on it.
    requested_by = IdListField()
    kind = serializers.ChoiceField(choices=["hands", "electronic"], default="hands")


class ProxyIn(StrictSerializer):
    holder = IdField()
    sittings = IdListField(required=False)
    # R14: a duly established illness lifts the three-sitting limit.
    illness = serializers.BooleanField(required=False, default=False)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class FormIdField(IdField):
    """An id in a multipart form: a string of digits there."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return parse_id(data, field=self.field_name or "id", strings=True)
        except InvalidInput as err:
            raise serializers.ValidationError(err.message, code=err.code) from None


class ProxyFormIn(StrictSerializer):
    """The same proxy as a multipart form, with the signed proxy as a PDF (R14)."""

    holder = FormIdField()
    sittings = serializers.ListField(child=FormIdField(), max_length=MAX_IDS, required=False)
    illness = serializers.BooleanField(required=False, default=False)
    document = serializers.FileField(required=False, allow_empty_file=True)


class DebateIn(StrictSerializer):
    item = IdField()
    text = serializers.CharField(allow_blank=True, max_length=50_000)


class TargetIn(StrictSerializer):
    # R29: the later sitting (a draft) whose agenda opens with the adoption of the minutes.
    sitting = IdField()


# --- Outputs --------------------------------------------------------------------------------


class DocumentOut(serializers.ModelSerializer[Document]):
    class Meta:
        model = Document
        fields = ["id", "item", "kind", "title", "size", "sha256"]


class SecretaryOut(serializers.Serializer[Any]):
    secretary = serializers.IntegerField()
    name = serializers.CharField()


class ClosedSessionOut(serializers.Serializer[Any]):
    vote = serializers.IntegerField(allow_null=True)
    voices = serializers.IntegerField(allow_null=True)
    in_closed_session = serializers.BooleanField()


class ProxyOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    sittings = serializers.ListField(child=serializers.IntegerField(), max_length=MAX_IDS)
    illness = serializers.BooleanField()


class PublicationOut(serializers.ModelSerializer[Publication]):
    """A published act (R31): its PDF's address in the public archive and its SHA-256."""

    url = serializers.SerializerMethodField()

    @extend_schema_field(str)
    def get_url(self, publication: Publication) -> str:
        from ..views.archive import publication_url

        return publication_url(self.context["request"], publication)

    class Meta:
        model = Publication
        fields = ["id", "kind", "title", "sha256", "size", "published_at", "url"]


class DebateOut(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)


class MinutesOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    sitting = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Minutes.State.choices)
    # R28: what is still missing before the minutes can be finalised (a draft only).
    missing = serializers.ListField(child=serializers.CharField())
    debates = DebateOut(many=True)
    finalised_at = serializers.DateTimeField(allow_null=True)
    adoption_item = serializers.IntegerField(allow_null=True)
    adopted_at = serializers.DateTimeField(allow_null=True)
    chair_signed = serializers.BooleanField()
    secretary_signed = serializers.BooleanField()
    publication = PublicationOut(allow_null=True)


class ListPublishedOut(serializers.Serializer[Any]):
    listing = PublicationOut()
    deliberations = PublicationOut(many=True)
