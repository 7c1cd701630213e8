"""R18 and R16 over the chair's websocket: the waiver decided, its event on the public page;
a tied show of hands refused until the chair's hand is entered, then the result live."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from sessions.models import AgendaItem
from tests import factories as f
from tests.sessions.sockets import connect, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def prepare(kind: str):
    a = f.assembly(members=6, population=1_000)
    people = list(a.members.order_by("id").select_related("user"))
    s = f.in_session(a)
    item = s.items.first()
    AgendaItem.objects.filter(pk=item.pk).update(kind=kind, matter="5.3")
    return s, people


async def test_the_waiver_is_decided_and_the_public_page_told():
    s, people = await prepare(AgendaItem.Kind.NOMINATION)
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    public, _ = await connect(f"/ws/sittings/{s.id}/public/")
    await chair.send_json_to({"action": "vote_open", "kind": "electronic"})
    assert (await until(chair, "error"))["code"] == "secret_required"
    await chair.send_json_to({"action": "secret_waiver", "objectors": [people[2].id], "ref": "w1"})
    ack = await until(chair, "ack")
    assert ack["ref"] == "w1" and ack["result"] == {"waived": False, "present": 6}
    told = await until(public, "sittings.secret_waiver")
    assert told["data"] == {"item": s.current_item_id, "waived": False}
    await chair.send_json_to({"action": "secret_waiver", "objectors": []})
    assert (await until(chair, "ack"))["result"]["waived"] is True
    await chair.send_json_to({"action": "vote_open", "kind": "hands"})
    opened = await until(public, "voting.vote_opened")
    assert opened["state"]["vote"]["kind"] == "hands"


async def test_a_tie_waits_for_the_chairs_hand():
    s, people = await prepare(AgendaItem.Kind.DELIBERATION)
    chair, _ = await connect(f"/ws/sittings/{s.id}/chair/", people[0].user)
    public, _ = await connect(f"/ws/sittings/{s.id}/public/")
    await chair.send_json_to({"action": "vote_open", "kind": "hands"})
    vote = (await until(public, "voting.vote_opened"))["state"]["vote"]
    tie = {"for": 3, "against": 3, "abstain": 0}
    await chair.send_json_to({"action": "vote_close", "vote": vote["id"], "counts": tie})
    refused = await until(chair, "error")
    assert refused["code"] == "casting_vote_missing" and "président" in refused["message"]
    await chair.send_json_to(
        {"action": "vote_close", "vote": vote["id"], "counts": {**tie, "chair_choice": "for"}}
    )
    closed = (await until(public, "voting.vote_closed"))["patch"]["vote"]
    assert closed["result"]["adopted"] is True and closed["result"]["casting_vote"] is True
    assert closed["result"]["chair_vote"] == "for"
