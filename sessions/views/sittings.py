"""A councillor's sittings: every sitting of their assemblies, with the pages their roles
open (their seat, the chair's desk, the minutes, the proposals for the agenda)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from council.models import Assembly, Member, StaffRole

from ..access import Role, Standing, permits
from ..models import Sitting
from ..services.proposals import proposals_open


def _rows(assembly: Assembly, member: Member | None, staff: set[str]) -> list[dict[str, Any]]:
    """The pages each sitting opens to this user, by sessions.access's rules (their
    standing read once for the assembly, not once per sitting)."""
    who = Standing(member=member, staff=frozenset(staff))
    rows = []
    for s in assembly.sittings.select_related("place").order_by("-starts_at")[:40]:
        ids = {"chair_id": s.chair_id, "secretary_id": s.secretary_id}
        chair = member is not None and member.pk == s.chair_id
        rows.append(
            {
                "sitting": s,
                "seat": permits(who, Role.MEMBER),
                "chair": permits(who, Role.CHAIR, **ids),
                "propose": member is not None and proposals_open(s),
                "decide": chair and proposals_open(s),
                "minutes": s.state == Sitting.State.CLOSED and permits(who, Role.MINUTES, **ids),
            }
        )
    return rows


@login_required
@require_GET
def my_sittings(request: HttpRequest) -> HttpResponse:
    """The menu's "Sittings": a clerk with no seat goes to the clerk's pages as before."""
    user = request.user
    assert isinstance(user, User)  # login_required
    members = {m.assembly_id: m for m in Member.objects.filter(user=user)}
    staff: dict[int, set[str]] = {}
    for role in StaffRole.objects.filter(user=user):
        staff.setdefault(role.assembly_id, set()).add(role.role)
    is_clerk = any(StaffRole.Role.CLERK in roles for roles in staff.values())
    if user.is_superuser or (is_clerk and not members):
        return redirect("clerk-sittings")
    assemblies = Assembly.objects.filter(pk__in=set(members) | set(staff)).order_by("name")
    blocks = [
        {
            "assembly": a,
            "member": members.get(a.pk),
            "clerk": StaffRole.Role.CLERK in staff.get(a.pk, set()),
            "rows": _rows(a, members.get(a.pk), staff.get(a.pk, set())),
        }
        for a in assemblies
    ]
    return render(request, "sessions/my_sittings.html", {"blocks": blocks})
