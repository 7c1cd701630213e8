"""Test factories: plain functions building valid objects, in one place."""

from __future__ import annotations

import datetime
import io
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.pdfgen import canvas

from council.models import Assembly, Member, MemberCommune, Room, StaffRole
from council.regime import PARIS
from sessions import services
from sessions.models import AgendaItem, Sitting

_seq = itertools.count(1)
PASSWORD = "test-password-123"
# The ACTES matter code the factories give a deliberation (needed before its vote).
MATTER = "9.1"


def user(username: str | None = None, **extra: Any) -> User:
    username = username or f"user{next(_seq)}"
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


def assembly(
    *,
    kind: str = Assembly.Kind.COMMUNE,
    population: int = 110_000,
    members: int = 59,
    remote_rooms: int = 0,
    name: str | None = None,
) -> Assembly:
    n = next(_seq)
    a = Assembly.objects.create(
        name=name or f"Commune {n}", slug=f"asm-{n}", kind=kind, population=population
    )
    Room.objects.create(
        assembly=a, name="Salle du conseil", kind=Room.Kind.CHAMBER, address="1 place de la Mairie"
    )
    for r in range(remote_rooms):
        Room.objects.create(assembly=a, name=f"Salle distante {r + 1}", kind=Room.Kind.REMOTE)
    if kind == Assembly.Kind.EPCI:
        MemberCommune.objects.create(assembly=a, name=f"Grandville {n}", population=40_000)
        MemberCommune.objects.create(assembly=a, name=f"Petitbourg {n}", population=900)
    for i in range(members):
        member(a, role=Member.Role.CHAIR if i == 0 else Member.Role.COUNCILLOR, index=i)
    return a


def member(
    a: Assembly,
    *,
    role: str = Member.Role.COUNCILLOR,
    index: int | None = None,
    with_user: bool = True,
    **extra: Any,
) -> Member:
    i = index if index is not None else next(_seq)
    u = user(f"{a.slug}-m{i}") if with_user else None
    return Member.objects.create(
        assembly=a,
        user=u,
        first_name=f"Prénom{i}",
        last_name=f"Nom{i:03d}",
        birthdate=datetime.date(1950 + i % 40, 1 + i % 12, 1 + i % 28),
        role=role,
        email=f"m{i}@{a.slug}.example",
        mandate_start=datetime.date(2020, 7, 1),
        **extra,
    )


def staff(a: Assembly, role: str = StaffRole.Role.CLERK) -> User:
    u = user(f"{a.slug}-{role}-{next(_seq)}")
    StaffRole.objects.create(user=u, assembly=a, role=role)
    return u


def chair(a: Assembly) -> Member:
    return a.members.get(role=Member.Role.CHAIR)


def councillors(a: Assembly) -> list[Member]:
    return list(a.members.exclude(role=Member.Role.CHAIR).order_by("last_name"))


def in_days(days: int, hour: int = 18) -> datetime.datetime:
    """A time `days` calendar days from today in Paris."""
    today = timezone.now().astimezone(PARIS).date()
    day = today + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def pdf_bytes(text: str = "Rapport") -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.drawString(72, 720, text)
    c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_upload(name: str = "rapport.pdf", text: str = "Rapport") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def sitting(
    a: Assembly,
    *,
    days: int = 10,
    items: int = 3,
    clerk: User | None = None,
    notes: bool = True,
    **extra: Any,
) -> Sitting:
    clerk = clerk or staff(a)
    s = services.sitting_create(
        assembly=a, title=f"Conseil {next(_seq)}", starts_at=in_days(days), user=clerk, **extra
    )
    for i in range(items):
        item = services.item_add(
            sitting=s,
            user=clerk,
            title=f"Délibération {i + 1}",
            kind=AgendaItem.Kind.DELIBERATION,
            matter=MATTER,
        )
        if notes:
            services.document_attach(
                item=item,
                user=clerk,
                kind="synthesis",
                title="Note de synthèse",
                upload=pdf_upload(),
            )
    return s


def convened(a: Assembly, **kwargs: Any) -> Sitting:
    clerk = kwargs.pop("clerk", None) or staff(a)
    s = sitting(a, clerk=clerk, **kwargs)
    services.convocation_send(sitting=s, user=clerk)
    s.refresh_from_db()
    return s


def arrive(
    s: Sitting,
    members: list[Member],
    mode: str = "chamber",
    room: Room | None = None,
    by: User | None = None,
) -> None:
    for m in members:
        services.attendance_record(
            sitting=s, member=m, kind="arrival", mode=mode, room=room, user=by
        )


def opened(a: Assembly, present: int | None = None, **kwargs: Any) -> Sitting:
    s = convened(a, **kwargs)
    people = list(a.members.order_by("id"))
    arrive(s, people[: present if present is not None else len(people)])
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    s.refresh_from_db()
    return s


def in_session(
    a: Assembly,
    *,
    present: int | None = None,
    proxies: list[tuple[Member, Member]] = (),  # type: ignore[assignment]
    **kwargs: Any,
) -> Sitting:
    """A sitting under way: proxies (grantor, holder) given, convened, the first `present`
    members arrived, a secretary named, opened, its first item taken up."""
    clerk = kwargs.pop("clerk", None) or staff(a)
    s = sitting(a, clerk=clerk, **{"items": 1, "notes": False, **kwargs})
    for grantor, holder in proxies:
        services.proxy_grant(grantor=grantor, holder=holder, sittings=[s], user=None)
    services.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    arrive(s, people[: present if present is not None else len(people)])
    services.secretary_name(sitting=s, member=people[1], user=None)
    services.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    services.item_take_up(sitting=s, item=s.items.first(), user=None)
    s.refresh_from_db()
    return s


def closed_session(
    s: Sitting, requested_by: list[Member], votes_for: int, user: User | None = None
) -> bool:
    """R25: the council's vote on the closed session, by show of hands: opened at the
    request of `requested_by`, closed with `votes_for` hands for and the rest against.
    Returns whether the council went into closed session."""
    from voting.services import closed_session_vote_open, vote_close

    vote = closed_session_vote_open(sitting=s, requested_by=requested_by, kind="hands", user=user)
    against = len(vote.eligible) - votes_for
    vote = vote_close(vote=vote, user=user, counts={"for": votes_for, "against": against})
    s.refresh_from_db()
    return bool(vote.adopted)
