"""A sitting opened for a vote, and a ballot cast in it, through the services."""

from __future__ import annotations

from sessions import services as sittings
from tests import factories as f
from voting import services


def open_sitting(members: int = 7, present: int | None = None, kind: str = "deliberation", **kw):
    a = f.assembly(members=members, population=1_000, **kw)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=0, notes=False)
    item = sittings.item_add(
        sitting=s, user=clerk, title="Subvention au club de football", kind=kind, matter="7.5"
    )
    sittings.convocation_send(sitting=s, user=clerk)
    people = list(a.members.order_by("id"))
    f.arrive(s, people[: present if present is not None else len(people)])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=item, user=None)
    s.refresh_from_db()
    return s, item, people


def cast(vote, member, choice, on_behalf_of=None, cid=None):
    return services.ballot_cast(
        vote=vote,
        voter=member,
        choice=choice,
        client_id=cid or f"ballot-{vote.id}-{member.id}-{on_behalf_of.id if on_behalf_of else 0}",
        on_behalf_of=on_behalf_of,
    )
