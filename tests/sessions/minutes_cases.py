"""A held sitting and its minutes, built by the services: where the minutes, publication,
search and accessible-acts tests start from."""

from __future__ import annotations

from sessions import services as sittings
from sessions.minutes import services as minutes
from sessions.models import AgendaItem
from tests import factories as f
from voting import services as voting


def vote_on(s, item, choices, people):
    """Take up `item`, vote electronically with `choices` (member index -> choice), close."""
    sittings.item_take_up(sitting=s, item=item, user=None)
    vote = voting.vote_open(item=item, kind="electronic", user=None)
    for index, choice in choices.items():
        voting.ballot_cast(
            vote=vote, voter=people[index], choice=choice, client_id=f"ballot-{vote.id}-{index}"
        )
    return voting.vote_close(vote=vote, user=None, confirm=True)


def held_sitting():
    """Seven members: the chair (0), the secretary (1), a latecomer who leaves early (4),
    an absent member represented by 2 (6), an absent member (5). Three items: one adopted
    by an electronic vote, one rejected on a show of hands, one for information."""
    a = f.assembly(members=7, population=1_000)
    a.siret = "21590350100017"
    a.save()
    clerk = f.staff(a)
    people = list(a.members.order_by("id").select_related("user"))
    s = f.sitting(a, clerk=clerk, items=0, notes=False, days=-2)
    first = sittings.item_add(sitting=s, user=clerk, title="Budget de la piscine")
    second = sittings.item_add(sitting=s, user=clerk, title="Tarifs de la cantine", matter="7.10")
    sittings.item_add(sitting=s, user=clerk, title="Point d'étape du PLU", kind="information")
    AgendaItem.objects.filter(pk=first.pk).update(matter="7.1")
    sittings.proxy_grant(grantor=people[6], holder=people[2], sittings=[s], user=None)
    s.state = "convened"
    s.save()
    f.arrive(s, people[:4])
    sittings.secretary_name(sitting=s, member=people[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    f.arrive(s, [people[4]])
    vote_on(s, first, {0: "for", 1: "for", 2: "for", 3: "against", 4: "abstain"}, people)
    sittings.attendance_record(sitting=s, member=people[4], kind="departure", user=None)
    sittings.item_take_up(sitting=s, item=second, user=None)
    hands = voting.vote_open(item=second, kind="hands", user=None)
    voting.vote_close(
        vote=hands, user=None, counts={"for": 1, "against": 3, "abstain": 1}, confirm=True
    )
    sittings.item_take_up(sitting=s, item=s.items.get(position=3), user=None)
    sittings.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    return s, people, clerk


def write_debates(record, s, user=None):
    for item in s.items.all():
        minutes.debate_summary_save(
            minutes=record, item=item, text=f"Débat sur « {item.title} ».", user=user
        )


def voted_at_next_sitting(choices):
    """Minutes finalised, put first on the next sitting's agenda, and voted on there."""
    s, people, clerk = held_sitting()
    record = minutes.minutes_start(sitting=s, user=clerk)
    write_debates(record, s)
    minutes.minutes_finalise(minutes=record, user=clerk)
    nxt = f.sitting(s.assembly, clerk=clerk, items=1, notes=False, days=5)
    item = minutes.minutes_put_on_agenda(minutes=record, sitting=nxt, user=clerk)
    nxt.state = "convened"  # the next sitting, convened for today
    nxt.save()
    f.arrive(nxt, people[:5])
    sittings.secretary_name(sitting=nxt, member=people[1], user=None)
    sittings.sitting_open(sitting=nxt, user=None, open_anyway=True, reason="essai")
    vote_on(nxt, item, choices, people)
    record.refresh_from_db()
    return s, people, clerk, record


def adopted_minutes():
    return voted_at_next_sitting({0: "for", 1: "for", 2: "for", 3: "for", 4: "against"})
