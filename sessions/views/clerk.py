"""The clerk's pages: sittings, agenda, convocation, delivery board."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from council.models import StaffRole

from ..models import Sitting


@login_required
def sitting_list(request: HttpRequest) -> HttpResponse:
    assemblies = StaffRole.objects.filter(user=request.user, role=StaffRole.Role.CLERK).values(
        "assembly_id"
    )
    sittings = Sitting.objects.filter(assembly_id__in=assemblies).select_related("assembly")
    return render(request, "sessions/clerk/list.html", {"sittings": sittings})
