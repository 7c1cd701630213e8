"""The room's screen (no login: a device token in its URL) and the clerk's page that
issues and revokes the screens' tokens, per assembly."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from council.errors import DomainError
from council.models import Assembly

from ..access import Role, access_assembly
from ..models import ScreenToken
from ..screen import screen_sitting, screen_snapshot
from ..services.screens import screen_for_token, screen_issue, screen_revoke
from .errors import domain_errors


def _labels() -> dict[str, str]:
    return {
        "closed_session": _("Closed session"),
        "closed_session_note": _(
            "Closed session: the public has left the room and the broadcast is stopped."
        ),
        "suspended": _("Sitting suspended"),
        "no_current_item": _("No item under discussion"),
        "item": _("Item %(n)s"),
        "rapporteur": _("Rapporteur: %(name)s"),
        "papers": _("Papers:"),
        "speaker": _("Speaking now"),
        "nobody": _("Nobody has the floor"),
        "queue": _("Next speakers"),
        "queue_empty": _("Nobody has asked for the floor."),
        "vote_open": _("Vote in progress"),
        "vote_closed": _("Result of the vote"),
        "ballots_cast": _("%(cast)s of %(voices)s ballots cast"),
        "adopted": _("Adopted"),
        "rejected": _("Rejected"),
        "for": _("For"),
        "against": _("Against"),
        "abstain": _("Abstention"),
        "blank": _("Blank"),
        "elected": _("Elected: %(name)s"),
        "no_winner": _("No candidate elected in this round"),
        "remote": _("Present from elsewhere"),
        "remote_note": _(
            "The remote councillors' pictures are shown only on the members' video page;"
            " this screen gives their names and rooms."
        ),
        "remote_none": _("No councillor is connected from elsewhere."),
        "quorum_reached": _("Quorum reached"),
        "quorum_missing": _("Quorum not reached"),
        "present": _("present"),
        "represented": _("represented"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "revoked": _("This screen's token was revoked by the clerk: ask for a new link."),
    }


@require_GET
@domain_errors
def screen_page(request: HttpRequest, token: str) -> HttpResponse:
    """Full screen, large type: the sitting the assembly is holding, live."""
    screen = screen_for_token(token)
    sitting = screen_sitting(screen.assembly)
    context: dict[str, Any] = {"screen": screen, "assembly": screen.assembly, "sitting": sitting}
    if sitting is not None:
        context["config"] = {
            "ws": f"/ws/sittings/{sitting.pk}/screen/?token={token}",
            "state": screen_snapshot(sitting),
            "labels": _labels(),
        }
    response = render(request, "sessions/screen.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    response["Cache-Control"] = "no-store"
    return response


def _clerk_assembly(user: Any, assembly_id: int) -> Assembly:
    refusal = _("Only the clerks of this assembly manage its screens.")
    return access_assembly(user, assembly_id, Role.CLERK, refusal=refusal)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def screens(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The clerk's list of screens; a POST issues one and shows its link, once."""
    assembly = _clerk_assembly(request.user, assembly_id)
    issued, refusal, status = None, None, 200
    if request.method == "POST":
        try:
            screen, token = screen_issue(
                assembly=assembly, label=request.POST.get("label", "")[:200], user=request.user
            )
        except DomainError as err:
            refusal, status = err, err.status
        else:
            url = request.build_absolute_uri(reverse("screen", args=[token]))
            issued, status = {"screen": screen, "url": url}, 201
    context = {
        "assembly": assembly,
        "screens": assembly.screens.all(),
        "issued": issued,
        "refusal": refusal,
    }
    return render(request, "sessions/clerk/screens.html", context, status=status)


@login_required
@require_POST
@domain_errors
def screen_revoke_view(request: HttpRequest, assembly_id: int, screen_id: int) -> HttpResponse:
    assembly = _clerk_assembly(request.user, assembly_id)
    screen = get_object_or_404(ScreenToken, pk=screen_id, assembly=assembly)
    screen_revoke(screen=screen, user=request.user)
    messages.success(request, _("The screen “%(label)s” is revoked.") % {"label": screen.label})
    return redirect("clerk-screens", assembly_id=assembly.pk)
