"""A councillor's public page: what they said in the replays of the public sittings (from
the archive's search index) and how they voted in public ballots (R17, R22), never in a
secret one (R18). No login, no cookie."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from council.errors import InvalidInput, NotFound
from council.models import Assembly, Member
from council.parsing import parse_id
from sessions.search.selectors import grouped, member_interventions
from sessions.views.errors import domain_errors
from sessions.views.public import public_headers

from .models import Ballot
from .selectors import member_public_ballots


def _councillor(slug: str, member_id: Any) -> Member:
    """The member of the assembly `slug`; NotFound for another assembly's or no member."""
    try:
        pk = parse_id(member_id, field="member", strings=True)
    except InvalidInput:
        raise NotFound(_("No such councillor.")) from None
    assembly = Assembly.objects.filter(slug=slug).first()
    member = Member.objects.filter(pk=pk, assembly=assembly).select_related("assembly").first()
    if assembly is None or member is None:
        raise NotFound(_("No such councillor."))
    return member


def _votes_by_sitting(ballots: list[Ballot]) -> list[dict[str, Any]]:
    sittings: list[dict[str, Any]] = []
    for ballot in ballots:
        sitting = ballot.vote.sitting
        if not sittings or sittings[-1]["sitting"].pk != sitting.pk:
            sittings.append({"sitting": sitting, "ballots": []})
        sittings[-1]["ballots"].append(ballot)
    return sittings


@require_GET
@domain_errors
def councillor_page(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    member = _councillor(slug, member_id)
    context = {
        "member": member,
        "assembly": member.assembly,
        "interventions": grouped(member_interventions(member)),
        "votes": _votes_by_sitting(member_public_ballots(member)),
    }
    return public_headers(render(request, "voting/councillor.html", context))
