"""A sitting of Ingeville held earlier today, for the demo's archive: attendance, proxies,
votes, the close, the deliberations published and the minutes finalised.

This fabricates history: the sitting skips its convocation (it starts in the past), the
only place where the demo sets a state itself. Everything else goes through services, on
the clock of the speech the demo's replay is made of (streaming.demo_chamber): the chair
and two councillors are heard on items 1 and 2, the floor given and ended as they speak.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from council.models import Assembly, Member
from sessions import services
from sessions.minutes import services as minutes
from sessions.models import AgendaItem, Minutes, Sitting
from streaming.demo_chamber import HistoryClock, history_clock, script
from voting import services as voting

PAST_ITEMS = [
    ("Budget supplémentaire 2026 de la ville", "deliberation", "7.1"),
    ("Acquisition de la parcelle AB 112, rue des Tanneurs", "deliberation", "3.1"),
    ("Convention avec l'association Les Jardins de l'Inge", "deliberation", "7.5"),
    ("Point d'information sur le chantier de la médiathèque", "information", ""),
]
DEBATES = [
    "M. le rapporteur présente les inscriptions nouvelles. L'opposition regrette la hausse "
    "des dépenses de fonctionnement\u00a0; le maire rappelle l'effet de l'inflation sur l'énergie.",
    "Plusieurs conseillers interrogent le prix, conforme à l'avis du service des domaines.",
    "Le débat porte sur le montant de la subvention et le suivi de la convention.",
    "Le directeur des services techniques répond aux questions sur le calendrier.",
]


def _choices(index: int, item: int) -> str:
    """A believable spread of ballots: mostly for, some against, a few abstentions."""
    spread = (index * 7 + item * 3) % 10
    return "against" if spread < 2 + item else "abstain" if spread == 9 else "for"


# Who speaks in the speech's script: the mayor, a deputy (the rapporteur), a councillor.
SPEAKERS = {"chair": 0, "rapporteur": 2, "councillor": 11}


def _vote(sitting: Sitting, item: AgendaItem, n: int) -> None:
    vote = voting.vote_open(item=item, kind="electronic", user=None)
    members = {m.id: m for m in sitting.assembly.members.all()}
    for index, voice in enumerate(vote.eligible):
        by = voice["by"]
        voting.ballot_cast(
            vote=vote,
            voter=members[by or voice["member"]],
            on_behalf_of=members[voice["member"]] if by else None,
            choice=_choices(index, n),
            client_id=f"demo-{vote.id}-{voice['member']}",
        )
    voting.vote_close(vote=vote, user=None, confirm=True)


def _speak(
    sitting: Sitting, member: Member, line: dict[str, Any], clock: HistoryClock, clerk: User
) -> None:
    """The member asks for the floor, is given it as they begin, and it ends as they stop."""
    clock.at(line["start"] - 1.0)
    request = services.hand_raise(sitting=sitting, member=member)
    clock.at(line["start"] - 0.3)
    services.floor_give(sitting=sitting, request_id=request.pk, user=clerk)
    clock.at(line["end"] + 0.3)
    services.floor_end(sitting=sitting, user=clerk)


def hold_past_sitting(assembly: Assembly, clerk: User) -> Minutes:
    """The morning's sitting convened, held on the speech's times, closed, its
    deliberations published and its minutes finalised."""
    people = list(assembly.members.order_by("id"))
    sitting = _convened_earlier(assembly, clerk, people)
    with history_clock(sitting.starts_at) as clock:
        sitting, items = _held(sitting, people, clock, clerk)
    minutes.deliberations_publish(sitting=sitting, user=clerk)
    record = minutes.minutes_start(sitting=sitting, user=clerk)
    for item, text in zip(items, DEBATES, strict=True):
        minutes.debate_summary_save(minutes=record, item=item, text=text, user=clerk)
    return minutes.minutes_finalise(minutes=record, user=clerk)


def _convened_earlier(assembly: Assembly, clerk: User, people: list[Member]) -> Sitting:
    """A sitting three hours ago with its agenda and three proxies, set convened by hand
    (fabricated history: no convocation was ever sent)."""
    sitting = services.sitting_create(
        assembly=assembly,
        title="Conseil municipal (séance du matin)",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        user=clerk,
    )
    for title, kind, matter in PAST_ITEMS:
        item = services.item_add(sitting=sitting, user=clerk, title=title, kind=kind)
        AgendaItem.objects.filter(pk=item.pk).update(matter=matter)
    for grantor, holder in ((50, 3), (51, 4), (52, 5)):
        services.proxy_grant(
            grantor=people[grantor], holder=people[holder], sittings=[sitting], user=None
        )
    Sitting.objects.filter(pk=sitting.pk).update(state=Sitting.State.CONVENED)
    return sitting


def _held(
    sitting: Sitting, people: list[Member], clock: HistoryClock, clerk: User
) -> tuple[Sitting, list[AgendaItem]]:
    """Arrivals, the opening, each item taken up, debated and voted, the close: on the
    speech's times (streaming.demo_chamber's script). The sitting closed, and its items."""
    said = script()
    clock.at(-300)
    for member in people[:48]:
        services.attendance_record(sitting=sitting, member=member, kind="arrival", user=clerk)
    services.secretary_name(sitting=sitting, member=people[12], user=clerk)
    clock.at(0.5)
    services.sitting_open(sitting=sitting, user=clerk)
    items = list(sitting.items.order_by("position"))
    for n, item in enumerate(items):
        clock.at(said["items"][str(item.position)])
        services.item_take_up(sitting=sitting, item=item, user=None)
        for line in said["utterances"]:
            if line["item"] == item.position and line["speaker"] != "chair":
                _speak(sitting, people[SPEAKERS[line["speaker"]]], line, clock, clerk)
        if item.is_deliberative:
            clock.at(said["votes"][str(item.position)])
            _vote(sitting, item, n)
    clock.at(said["closed"])
    return services.sitting_close(sitting=sitting, user=clerk), items
