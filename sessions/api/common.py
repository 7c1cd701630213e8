"""Helpers of sessions/api/: reading an input (its unknown fields refused) and the
examples shared by the schema."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers, serializers
from rest_framework.request import Request

from council.api import JSONParser

# JSON, or a multipart form for an upload (its size bounded by SEANCE_MAX_REQUEST_BYTES).
UPLOAD_PARSERS = (parsers.MultiPartParser, JSONParser)


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated input; a 400 naming the field otherwise (an unknown one included)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
