"""Published acts, and a convocation written to break an accessible rendering."""

from __future__ import annotations

from sessions import services as sittings
from sessions.minutes import services as minutes
from sessions.models import Convocation, Publication
from tests import factories as f

HOSTILE = '<script>alert("x")</script> & <b>Gras</b> <img src=/etc/passwd>'


def published(s, people, clerk, record) -> dict[str, Publication]:
    minutes.minutes_sign(minutes=record, user=people[0].user)
    record = minutes.minutes_sign(minutes=record, user=people[1].user)
    acts = {"minutes": minutes.minutes_publish(minutes=record, user=clerk)}
    acts["list"] = minutes.deliberations_publish(sitting=s, user=clerk)
    for d in s.deliberations.order_by("number"):
        acts[f"deliberation {d.number}"] = d.publication
    return acts


def hostile_convocation():
    """A convened sitting whose second item's title is markup."""
    a = f.assembly(members=5)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=1)
    sittings.item_add(sitting=s, user=clerk, title=HOSTILE, kind="information")
    sittings.convocation_send(sitting=s, user=clerk)
    return Convocation.objects.get(sitting=s)
