"""API plumbing shared by every app: domain errors become clear 4xx answers, bodies are read
with the same bounds and the same parser as the websockets' frames, and every endpoint's
schema says what it answers, errors included (the schemathesis run checks the answers
against it: tests/security/test_api_schema.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import exceptions, parsers, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from council.errors import CouncilErrorCode, DomainError, InvalidInput
from council.frames import json_loads
from council.parsing import MAX_ID, MAX_IDS, parse_count, parse_id

# --- Reading bodies -------------------------------------------------------------------------


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the bounds of a socket frame (council.frames): a body nested
    deeper than MAX_DEPTH, not UTF-8, or not JSON (NaN included) is a 400 with a message,
    never a RecursionError."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise InvalidInput(
                _("The body is not text in %(encoding)s.") % {"encoding": encoding},
                code=CouncilErrorCode.INVALID_JSON,
            ) from None
        return json_loads(text)


# --- Fields read with council.parsing -------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdField(serializers.Field[int, Any, int, Any]):
    """An id: a JSON integer (not "55", not 55.0, not true), read by council.parsing."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return parse_id(data, field=self.field_name or "id")
        except InvalidInput as err:
            raise serializers.ValidationError(err.message, code=err.code) from None

    def to_representation(self, value: Any) -> int:
        return int(value)


class IdListField(serializers.ListField):
    """A list of ids, at most MAX_IDS."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=IdField(), max_length=MAX_IDS, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100_000})
class CountField(serializers.Field[int, Any, int, Any]):
    """A number of votes: a JSON integer from 0 to 100,000."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return parse_count(data, field=self.field_name or "count", maximum=100_000)
        except InvalidInput as err:
            raise serializers.ValidationError(err.message, code=err.code) from None

    def to_representation(self, value: Any) -> int:
        return int(value)


# An input whose unknown fields are refused, never ignored: a misspelt "on_behalf_of" would
# otherwise cast the ballot in the voter's own name. (A comment: a docstring here would be
# every input's description in the schema.)
class StrictSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {str(k)[:40]: [_("Unknown field.")] for k in unknown[:10]}
                )
        return super().to_internal_value(data)


# --- Errors ---------------------------------------------------------------------------------


# Every refusal: a stable code, a message in French, and for a malformed body the errors by
# field. A refusal of the law may add what explains it (the quorum...). Inline: a field named
# "errors" on a Serializer class would hide its `errors`.
ERROR_OUT = inline_serializer(
    "ErrorOut",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.JSONField(required=False),
    },
)


ERRORS = {  # the schema's descriptions, for developers (the messages themselves are French)
    400: "The input is malformed, or names nothing of this sitting.",
    401: "No valid credentials (Authorization: Token <key>).",
    403: "Not allowed for this user.",
    404: "No such object.",
    409: "Refused in the current state, or by a rule of law.",
    429: "Too many attempts: try again later.",
}


def valid(serializer_class: type[serializers.Serializer[Any]], request: Any) -> dict[str, Any]:
    """The validated input; a 400 naming the field otherwise (an unknown one included)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an endpoint, all with the ErrorOut body."""
    return {s: OpenApiResponse(ERROR_OUT, description=ERRORS[s]) for s in statuses}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException | Http404):
        detail = response.data
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.ValidationError):
            response.data = {"code": "invalid_input", "message": _first(detail), "errors": detail}
        else:
            response.data = {"code": code, "message": _first(detail)}
    return response


@csrf_exempt  # it changes nothing: a POST gets the same 404, not the CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under /api/ that names no endpoint (a negative id, a word for an id):
    the API's 404, in JSON like its other errors."""
    return JsonResponse(
        {"code": "not_found", "message": _("No such address in the API.")}, status=404
    )


def bounded_path_ids(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing: an integer in a path is an id, from 1 to MAX_ID."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.update(minimum=1, maximum=MAX_ID)
    return result


def _first(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            text = _first(value)
            return text if key in ("detail", "non_field_errors") else f"{key}: {text}"
        return ""
    if isinstance(detail, list):
        return _first(detail[0]) if detail else ""
    return str(detail)
