"""One access helper per protected object of the sittings app (assembly, sitting, document,
proxy), used by pages, API, consumers and tasks alike (Zulip's `access_message`).

Each `access_<object>(user, id, role)` parses the id, fetches the object with what its
callers read, and returns it, or raises NotFound or Forbidden with a French message. An id
that is malformed or names nothing is NotFound; so is a document or a proxy of an assembly
in which the user has no standing (another assembly's ids never say that they exist). The
rules themselves are one pure function, `permits`, over a user's `Standing` in an assembly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from council.errors import DomainError, InvalidInput
from council.models import Assembly, Member, StaffRole
from council.parsing import parse_id, parse_member
from sessions.errors import SittingErrorCode

from .errors import Forbidden, NotFound
from .models import Document, Proxy, Sitting


class Role(StrEnum):
    PUBLIC = "public"  # anyone: the public page
    MEMBER = "member"  # a member of the assembly, or its staff
    CHAIR = "chair"  # the sitting's chair (or the clerk operating the dashboard for them)
    ATTENDANCE = "attendance"  # chair, clerk or the secretary agent of a remote room (R27)
    CLERK = "clerk"  # prepares sittings and sends convocations
    MINUTES = "minutes"  # drafts and signs the minutes: secretary, chair, clerk (R28-R29)
    BROADCAST = "broadcast"  # runs the cameras and the programme: technician, clerk, chair


CLERK = StaffRole.Role.CLERK
SECRETARY = StaffRole.Role.SECRETARY
TECHNICIAN = StaffRole.Role.TECHNICIAN


@dataclass(frozen=True)
class Standing:
    """Who a user is in one assembly: their seat, their staff roles, whether superuser."""

    member: Member | None = None
    staff: frozenset[str] = frozenset()
    superuser: bool = False

    @property
    def anyone(self) -> bool:
        """Whether the user has any place in the assembly (else its objects are not theirs)."""
        return self.superuser or self.member is not None or bool(self.staff)


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


def standing(user: Any, assembly_id: int) -> Standing:
    return standings([user], assembly_id)[0]


def standings(users: Sequence[Any], assembly_id: int) -> list[Standing]:
    """`standing` of many users at once (two queries, whatever their number)."""
    ids = {u.pk for u in users if getattr(u, "is_authenticated", False)}
    members = {
        m.user_id: m for m in Member.objects.filter(user_id__in=ids, assembly_id=assembly_id)
    }
    staff: dict[int, set[str]] = {}
    roles = StaffRole.objects.filter(user_id__in=ids, assembly_id=assembly_id)
    for user_id, role in roles.values_list("user_id", "role"):
        staff.setdefault(user_id, set()).add(role)
    return [
        Standing(
            member=members.get(u.pk),
            staff=frozenset(staff.get(u.pk, ())),
            superuser=bool(getattr(u, "is_superuser", False)),
        )
        if getattr(u, "is_authenticated", False)
        else Standing()
        for u in users
    ]


def permits(
    who: Standing, role: Role, *, chair_id: int | None = None, secretary_id: int | None = None
) -> bool:
    """The access rules, one place: may `who` act as `role` (on a sitting of that chair and
    secretary, when there is one)?"""
    if role == Role.PUBLIC or who.superuser:
        return True
    member_id = None if who.member is None else who.member.pk
    is_chair = member_id is not None and member_id == chair_id
    staff = who.staff
    rules = {
        Role.MEMBER: who.member is not None or bool(staff),
        Role.CHAIR: is_chair or CLERK in staff,
        Role.ATTENDANCE: is_chair or bool(staff & {CLERK, SECRETARY}),
        Role.CLERK: CLERK in staff,
        Role.BROADCAST: is_chair or bool(staff & {CLERK, TECHNICIAN}),
        Role.MINUTES: is_chair
        or (member_id is not None and member_id == secretary_id)
        or bool(staff & {CLERK, SECRETARY}),
    }
    return rules.get(role, False)


def can(user: Any, sitting: Sitting, role: Role) -> bool:
    if role == Role.PUBLIC:
        return True
    who = standing(user, sitting.assembly_id)
    return permits(who, role, chair_id=sitting.chair_id, secretary_id=sitting.secretary_id)


def _pk(value: Any, field: str, missing: str) -> int:
    """An id from a URL, a query string or a JSON body; a malformed one names nothing."""
    try:
        return parse_id(value, field=field, strings=True)
    except InvalidInput:
        raise NotFound(missing) from None


# --- Assembly -------------------------------------------------------------------------------


def clerk_assemblies(user: Any) -> QuerySet[Assembly]:
    """The assemblies whose sittings `user` prepares (all of them for a superuser)."""
    if getattr(user, "is_superuser", False):
        return Assembly.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Assembly.objects.none()
    return Assembly.objects.filter(staff__user=user, staff__role=CLERK).distinct()


def access_assembly(
    user: Any, assembly_id: Any, role: Role = Role.CLERK, *, refusal: str | None = None
) -> Assembly:
    """The assembly, if `user` may act in it as `role` (the sitting's rule, one level up:
    no chair there); `refusal` says what for."""
    assembly = Assembly.objects.filter(pk=_pk(assembly_id, "assembly", _("No such assembly.")))
    found = assembly.first()
    if found is None:
        raise NotFound(_("No such assembly."))
    if not permits(standing(user, found.pk), role):
        raise Forbidden(refusal or _("Only the clerks of this assembly may prepare its sittings."))
    return found


# --- Sitting --------------------------------------------------------------------------------


def _sitting(sitting_id: Any) -> Sitting:
    pk = _pk(sitting_id, "sitting", _("No such sitting."))
    sitting = (
        Sitting.objects.select_related("assembly", "place", "chair", "secretary", "current_item")
        .filter(pk=pk)
        .first()
    )
    if sitting is None:
        raise NotFound(_("No such sitting."))
    return sitting


def access_sitting(user: Any, sitting_id: Any, role: Role = Role.PUBLIC) -> Sitting:
    """The sitting, if `user` may act on it as `role`; NotFound or Forbidden otherwise.
    A draft is never shown to the public."""
    sitting = _sitting(sitting_id)
    draft = sitting.state == Sitting.State.DRAFT
    if role == Role.PUBLIC and draft and not can(user, sitting, Role.CLERK):
        raise NotFound(_("No such sitting."))
    if not can(user, sitting, role):
        raise Forbidden(_("You are not allowed to do this for this sitting."))
    return sitting


def access_sitting_each(
    users: Sequence[Any], sitting_id: Any, role: Role
) -> tuple[Sitting | None, list[Standing | DomainError]]:
    """`access_sitting` for many users of one sitting at once (a non-public role): the
    sitting, and for each user their standing in its assembly or the refusal that
    access_sitting would raise for them."""
    assert role != Role.PUBLIC
    try:
        sitting = _sitting(sitting_id)
    except DomainError as err:
        return None, [err] * len(users)
    refused = Forbidden(_("You are not allowed to do this for this sitting."))
    return sitting, [
        who
        if permits(who, role, chair_id=sitting.chair_id, secretary_id=sitting.secretary_id)
        else refused
        for who in standings(users, sitting.assembly_id)
    ]


def access_member(user: Any, sitting: Sitting, refusal: str) -> Member:
    """The member of the sitting's council that `user` is, for what only a member does
    (vote, give a proxy, ask for the floor); `refusal` (code not_member) otherwise."""
    member = member_of(user, sitting.assembly_id)
    if member is None:
        raise InvalidInput(refusal, code=SittingErrorCode.NOT_MEMBER)
    return member


def access_declarant(user: Any, sitting: Sitting, member_id: int | None) -> Member:
    """The member whose personal interest in an item is declared or withdrawn (L2131-11):
    the user's own seat (no id, or their own), or any member for the chair or the clerk."""
    own = member_of(user, sitting.assembly_id)
    member_id = member_id or (own.pk if own else None)
    if member_id is None:
        raise InvalidInput(_("Name the member concerned."), code=SittingErrorCode.NO_MEMBER)
    if (own is None or member_id != own.pk) and not can(user, sitting, Role.CHAIR):
        raise Forbidden(_("Only the chair records another member's interest."))
    return parse_member(sitting.assembly, member_id)


# --- Document and proxy ---------------------------------------------------------------------


def access_document(user: Any, document_id: Any) -> Document:
    """An item's paper: for the members and the staff of its assembly (R9)."""
    pk = _pk(document_id, "document", _("No such document."))
    document = Document.objects.select_related("item__sitting").filter(pk=pk).first()
    if document is None:
        raise NotFound(_("No such document."))
    who = standing(user, document.item.sitting.assembly_id)
    if not permits(who, Role.MEMBER):
        if getattr(user, "is_authenticated", False):
            raise NotFound(_("No such document."))
        raise Forbidden(_("The papers are for the members of the council."))
    return document


def access_proxy(user: Any, proxy_id: Any, *, revoke: bool = False) -> Proxy:
    """A proxy (R14): its written proxy for its grantor and holder, and for the chair and
    the clerk of the first sitting it covers; with `revoke`, for its grantor alone.
    Another assembly's is NotFound."""
    pk = _pk(proxy_id, "proxy", _("No such proxy."))
    proxy = Proxy.objects.select_related("grantor", "holder").filter(pk=pk).first()
    if proxy is None:
        raise NotFound(_("No such proxy."))
    signed_in = getattr(user, "is_authenticated", False)
    parties = {proxy.grantor.user_id} if revoke else {proxy.grantor.user_id, proxy.holder.user_id}
    if signed_in and user.pk in parties - {None}:
        return proxy
    if not standing(user, proxy.grantor.assembly_id).anyone:
        raise NotFound(_("No such proxy."))
    if revoke:
        raise Forbidden(_("Only the member who gave a proxy can revoke it."))
    sitting = Sitting.objects.filter(proxy_covers__proxy=proxy).first()
    if sitting is None or not can(user, sitting, Role.CHAIR):
        raise Forbidden(_("Only the members concerned, the chair and the clerk see a proxy."))
    return proxy
