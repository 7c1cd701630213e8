"""One access helper per protected object, used by views, API, consumers and tasks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from council.errors import InvalidInput
from council.models import Member, StaffRole
from council.parsing import parse_id

from .errors import Forbidden, NotFound
from .models import Sitting


class Role(StrEnum):
    PUBLIC = "public"  # anyone: the public page
    MEMBER = "member"  # a member of the assembly, or its staff
    CHAIR = "chair"  # the sitting's chair (or the clerk operating the dashboard for them)
    ATTENDANCE = "attendance"  # chair, clerk or the secretary agent of a remote room (R27)
    CLERK = "clerk"  # prepares sittings and sends convocations
    MINUTES = "minutes"  # drafts and signs the minutes: secretary, chair, clerk (R28-R29)
    BROADCAST = "broadcast"  # runs the cameras and the programme: technician, clerk, chair


def staff_roles(user: Any, assembly_id: int) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        StaffRole.objects.filter(user=user, assembly_id=assembly_id).values_list("role", flat=True)
    )


def member_of(user: Any, assembly_id: int) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user, assembly_id=assembly_id).first()


def can(user: Any, sitting: Sitting, role: Role) -> bool:
    if role == Role.PUBLIC:
        return True
    if getattr(user, "is_superuser", False):
        return True
    staff = staff_roles(user, sitting.assembly_id)
    member = member_of(user, sitting.assembly_id)
    is_chair = member is not None and member.id == sitting.chair_id
    if role == Role.MEMBER:
        return member is not None or bool(staff)
    if role == Role.CHAIR:
        return is_chair or StaffRole.Role.CLERK in staff
    if role == Role.ATTENDANCE:
        return is_chair or bool(staff & {StaffRole.Role.CLERK, StaffRole.Role.SECRETARY})
    if role == Role.CLERK:
        return StaffRole.Role.CLERK in staff
    if role == Role.BROADCAST:
        return is_chair or bool(staff & {StaffRole.Role.CLERK, StaffRole.Role.TECHNICIAN})
    if role == Role.MINUTES:
        is_secretary = member is not None and member.id == sitting.secretary_id
        return (
            is_chair
            or is_secretary
            or bool(staff & {StaffRole.Role.CLERK, StaffRole.Role.SECRETARY})
        )
    return False


def access_sitting(user: Any, sitting_id: Any, role: Role = Role.PUBLIC) -> Sitting:
    """The sitting, if `user` may act on it as `role`; NotFound or Forbidden otherwise.
    A draft is never shown to the public."""
    try:
        pk = parse_id(sitting_id, field="sitting", strings=True)
    except InvalidInput:
        raise NotFound(_("No such sitting.")) from None
    sitting = (
        Sitting.objects.select_related("assembly", "place", "chair", "secretary", "current_item")
        .filter(pk=pk)
        .first()
    )
    if sitting is None:
        raise NotFound(_("No such sitting."))
    draft = sitting.state == Sitting.State.DRAFT
    if role == Role.PUBLIC and draft and not can(user, sitting, Role.CLERK):
        raise NotFound(_("No such sitting."))
    if not can(user, sitting, role):
        raise Forbidden(_("You are not allowed to do this for this sitting."))
    return sitting
