"""API plumbing shared by every app: domain errors become clear 4xx answers."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from council.errors import DomainError


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


def _first(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            text = _first(value)
            return text if key in ("detail", "non_field_errors") else f"{key}: {text}"
        return ""
    if isinstance(detail, list):
        return _first(detail[0]) if detail else ""
    return str(detail)
