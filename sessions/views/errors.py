"""Turning domain errors into pages, and the 400, 403, 404 and 500 pages, in French by
default (English through the language chooser)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseServerError
from django.shortcuts import render
from django.utils.translation import gettext as _

from council.errors import DomainError


def domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose DomainError becomes an error page with the right status and message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as err:
            return render(request, "error.html", {"error": err}, status=err.status)

    return wrapper


def _error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    error = DomainError(message, code=code)
    error.status = status
    return render(request, "error.html", {"error": error, "status": status}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: in the visitor's language (French by default, English available)."""
    return _error_page(request, 404, "not_found", _("This page does not exist, or no longer does."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: a page the visitor's account may not see."""
    return _error_page(
        request, 403, "forbidden", _("Your account does not give access to this page.")
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400."""
    return _error_page(request, 400, "bad_request", _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: no context beyond the request, and a bare French page if even the
    template fails."""
    try:
        return _error_page(
            request,
            500,
            "server_error",
            _("An error occurred on the server. It has been recorded; please try again."),
        )
    except Exception:  # noqa: BLE001 - the last resort must answer
        return HttpResponseServerError(
            "<!doctype html><html lang=fr><title>Erreur</title>"
            "<h1>Erreur du serveur</h1><p>Veuillez réessayer.</p></html>"
        )
