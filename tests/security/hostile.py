"""A council whose every text that reaches a page is a script injection (issue 14): the
assembly, its room, the sitting, the items, a document, every member (so the speaker, the
speaking queue, the proxies, the election's candidates), the vote's question, a camera,
the lower third, the broadcast's last error and the minutes' debate summary. Each
payload names its field, so a page can be checked for the ones it shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone

from council.models import Member
from sessions import services as sittings
from sessions.minutes import services as minutes
from sessions.models import AgendaItem, Sitting
from streaming import services as broadcasting
from streaming.models import Broadcast, Camera, Replay
from streaming.replay import chapters_file, replay_file
from tests import factories as f
from voting import services as voting


def payload(tag: str) -> str:
    """Breaks out of a script block, then of an element, each way running alert(tag)."""
    return f'</script><script>alert("{tag}")</script><img src=x onerror=alert("{tag}")>'


@dataclass
class HostileCouncil:
    live: Sitting  # open: the floor given, a queue, a proxy, an election open
    held: Sitting  # closed: its minutes drafted, its deliberations published
    members: list[Member]
    clerk: User
    technician: User
    admin: User
    ack_token: str
    tags: dict[str, str] = field(default_factory=dict)


def _rename(members: list[Member]) -> None:
    for i, member in enumerate(members):
        member.last_name = payload(f"member{i}")
        member.save(update_fields=["last_name"])


def _live_sitting(a, members: list[Member], clerk: User, technician: User) -> Sitting:
    s = f.sitting(a, clerk=clerk, items=0, notes=False)
    Sitting.objects.filter(pk=s.pk).update(title=payload("sitting"))
    election = sittings.item_add(
        sitting=s, user=clerk, title=payload("item1"), kind=AgendaItem.Kind.ELECTION
    )
    sittings.item_add(sitting=s, user=clerk, title=payload("item2"), matter=f.MATTER)
    sittings.document_attach(
        item=election,
        user=clerk,
        kind="synthesis",
        title=payload("document"),
        upload=f.pdf_upload(),
    )
    sittings.proxy_grant(grantor=members[5], holder=members[4], sittings=[s], user=None)
    sittings.convocation_send(sitting=s, user=clerk)
    f.arrive(s, members[:5])
    sittings.secretary_name(sitting=s, member=members[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=election, user=None)
    for speaker in members[2:4]:
        sittings.hand_raise(sitting=s, member=speaker)
    first = s.speaking_requests.get(member=members[2])
    sittings.floor_give(sitting=s, request_id=first.id, user=None)
    voting.vote_open(
        item=election,
        kind="election",
        user=None,
        question=payload("question"),
        candidates=members[2:4],
    )
    s.refresh_from_db()
    Camera.objects.create(
        room=s.place, name=payload("camera"), feed_url="udp://127.0.0.1:9", position=1
    )
    broadcasting.broadcast_start(sitting=s, user=technician)
    broadcasting.programme_lower_third(
        sitting=s,
        user=technician,
        name=payload("lt-name"),
        role=payload("lt-role"),
        item=payload("lt-item"),
    )
    Broadcast.objects.filter(sitting=s).update(last_error=payload("error"))
    s.refresh_from_db()
    return s


def _held_sitting(a, members: list[Member], clerk: User) -> Sitting:
    s = f.sitting(a, clerk=clerk, items=0, notes=False, days=-2)
    item = sittings.item_add(sitting=s, user=clerk, title=payload("deliberation"), matter=f.MATTER)
    Sitting.objects.filter(pk=s.pk).update(title=payload("held"), state=Sitting.State.CONVENED)
    s.refresh_from_db()
    f.arrive(s, members[:5])
    sittings.secretary_name(sitting=s, member=members[1], user=None)
    sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
    sittings.item_take_up(sitting=s, item=item, user=None)
    vote = voting.vote_open(item=item, kind="electronic", user=None)
    for member in members[:3]:
        voting.ballot_cast(
            vote=vote, voter=member, choice="for", client_id=f"ballot-{member.id:04d}"
        )
    voting.vote_close(vote=vote, user=None, confirm=True)
    sittings.sitting_close(sitting=s, user=None)
    s.refresh_from_db()
    record = minutes.minutes_start(sitting=s, user=clerk)
    minutes.debate_summary_save(minutes=record, item=item, text=payload("minutes"), user=clerk)
    minutes.deliberations_publish(sitting=s, user=clerk)
    _replay(s, item)
    return s


def _replay(s: Sitting, item: AgendaItem) -> None:
    """A published replay whose chapter is the item (its file a stand-in: the page is
    what is looked at, not the video)."""
    replay = Replay.objects.create(
        sitting=s,
        state=Replay.State.READY,
        duration=60,
        size=4,
        sha256="0" * 64,
        chapters=[{"start": 0, "end": 60, "title": item.title}],
        made_at=timezone.now(),
    )
    replay_file(replay).parent.mkdir(parents=True, exist_ok=True)
    replay_file(replay).write_bytes(b"mp4?")
    chapters_file(replay).write_text(f"WEBVTT\n\n00:00.000 --> 01:00.000\n{item.title}\n")


def hostile_council() -> HostileCouncil:
    a = f.assembly(members=6, population=1_000, name=payload("assembly"))
    a.rooms.update(name=payload("room"))
    members = list(a.members.order_by("id").select_related("user"))
    _rename(members)
    clerk = f.staff(a)
    technician = f.staff(a, role="technician")
    admin = User.objects.create_superuser("hostile-admin", password=f.PASSWORD)
    live = _live_sitting(a, members, clerk, technician)
    held = _held_sitting(a, members, clerk)
    token = live.convocation.recipients.first().token
    return HostileCouncil(live, held, members, clerk, technician, admin, token)


@dataclass(frozen=True)
class Page:
    """A page, who opens it (None: anyone; else a HostileCouncil attribute or a member
    index) and the payloads it shows as text, once its scripts have run."""

    name: str
    path: str
    who: str | int | None = None
    status: int = 200
    shows: tuple[str, ...] = ()


def pages(c: HostileCouncil) -> list[Page]:
    live, held, slug = c.live.id, c.held.id, c.live.assembly.slug
    everyone = tuple(f"member{i}" for i in range(6))
    return [
        Page("home", "/", shows=("assembly", "sitting")),
        Page(
            "public",
            f"/sittings/{live}/",
            shows=("assembly", "sitting", "item1", "item2", "member2", "question"),
        ),
        Page("embed", f"/embed/sittings/{live}/", shows=("assembly", "item1", "question")),
        Page("ack", f"/convocations/ack/{c.ack_token}/", shows=("sitting", "item1", "room")),
        Page("archive", "/archive/", shows=("assembly",)),
        Page("archive-assembly", f"/archive/{slug}/", shows=("held",)),
        Page("archive-sitting", f"/archive/sittings/{held}/", shows=("held", "deliberation")),
        Page("replay", f"/archive/sittings/{held}/replay/", shows=("held", "deliberation")),
        Page("no-replay", f"/archive/sittings/{live}/replay/", status=404, shows=("sitting",)),
        Page("login", "/login/"),
        Page("not-found", "/sittings/999999999/", status=404),
        Page("no-such-page", "/no-such-page/", status=404),
        Page("chair", f"/chair/sittings/{live}/", 0, shows=(*everyone, "item1", "question")),
        Page("roll", f"/roll/sittings/{live}/", 0, shows=(*everyone, "room")),
        Page(
            "seat",
            f"/seat/sittings/{live}/",
            4,
            shows=("item1", "question", "member2", "member3", "member5"),
        ),
        Page("refused", f"/chair/sittings/{live}/", 4, status=403),
        Page("visio", f"/visio/sittings/{live}/", 4, shows=("sitting",)),
        Page("device-test", "/visio/test/", 4),
        Page(
            "regie",
            f"/broadcast/sittings/{live}/",
            "technician",
            shows=("sitting", "camera", "lt-name"),
        ),
        Page("health", f"/broadcast/sittings/{live}/health/", "technician", shows=("error",)),
        Page("clerk-list", "/clerk/", "clerk", shows=("sitting", "held")),
        Page(
            "clerk-sitting",
            f"/clerk/sittings/{live}/",
            "clerk",
            shows=("item1", "item2", "document"),
        ),
        Page(
            "clerk-convocation", f"/clerk/sittings/{live}/convocation/", "clerk", shows=("item1",)
        ),
        Page(
            "clerk-deliveries", f"/clerk/sittings/{live}/deliveries/", "clerk", shows=("member0",)
        ),
        Page("clerk-minutes", f"/clerk/sittings/{held}/minutes/", "clerk", shows=("minutes",)),
        Page("admin", "/admin/", "admin"),
        Page("admin-members", "/admin/council/member/", "admin", shows=("member0",)),
        Page(
            "admin-assembly",
            f"/admin/council/assembly/{c.live.assembly_id}/change/",
            "admin",
            shows=("assembly",),
        ),
    ]


def user_of(c: HostileCouncil, who: str | int | None) -> User | None:
    if who is None:
        return None
    if isinstance(who, int):
        return c.members[who].user
    return getattr(c, who)
