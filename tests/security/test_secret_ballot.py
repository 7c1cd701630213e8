"""R18, R22: once a secret vote is closed, nothing stored links a member to a choice.

The audit's linkage methods, run against a closed secret election of 40 ballots in which
every voter chose a different candidate: each method pairs participations with ballots
and must do no better than chance (a random pairing gets about one right; six or fewer
is what chance gives but once in ten thousand votes). Before the box was shuffled, each
method paired all 40."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from sessions.models import AgendaItem
from tests.voting.ballots import cast, open_sitting
from voting import services
from voting.models import SecretBallot, SecretParticipation, Vote, VoteRecord

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 40
CHANCE = 6  # a random pairing of 40 gets 7 or more right with probability 8e-5
POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

Pairing = Callable[[Vote], dict[int, str]]  # member id -> the choice a method links to it


@pytest.fixture
def election() -> tuple[Vote, dict[int, str]]:
    """A closed secret election: voter i chose candidate i, each a different one."""
    s, item, people = open_sitting(members=VOTERS + 1, kind=AgendaItem.Kind.ELECTION)
    candidates = people[1:]
    vote = services.vote_open(item=item, kind="election", user=None, candidates=candidates)
    truth = {}
    for voter, candidate in zip(people[1:], reversed(candidates), strict=True):
        cast(vote, voter, str(candidate.id))
        truth[voter.id] = str(candidate.id)
    vote = services.vote_close(vote=vote, user=None, confirm=True)
    assert sum(vote.result["tallies"].values()) == VOTERS
    return vote, truth


def rows(sql: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def zip_orders(members: list[int], choices: list[str]) -> dict[int, str]:
    return dict(zip(members, choices, strict=False))


def ctid_key(ctid: str) -> tuple[int, int]:
    page, line = re.findall(r"\d+", ctid)
    return int(page), int(line)


def physical_box(vote: Vote) -> list[str]:
    """The box in the order the database stores it."""
    if POSTGRES:
        found = rows(
            "SELECT ctid::text, choice FROM voting_secretballot WHERE vote_id = %s", vote.id
        )
        return [choice for _, choice in sorted(found, key=lambda r: ctid_key(r[0]))]
    return [
        c
        for (c,) in rows(
            "SELECT choice FROM voting_secretballot WHERE vote_id = %s ORDER BY rowid", vote.id
        )
    ]


def by_cast_time(vote: Vote) -> dict[int, str]:
    members = SecretParticipation.objects.filter(vote=vote).order_by("cast_at")
    return zip_orders([p.member_id for p in members], physical_box(vote))


def by_id_order(vote: Vote) -> dict[int, str]:
    members = SecretParticipation.objects.filter(vote=vote).order_by("id")
    box = SecretBallot.objects.filter(vote=vote).order_by("id").values_list("choice", flat=True)
    return zip_orders([p.member_id for p in members], list(box))


def by_chain_order(vote: Vote) -> dict[int, str]:
    """The vote log's ballot records in id order, against the box as stored."""
    records = VoteRecord.objects.filter(vote=vote, kind="ballot").order_by("id")
    return zip_orders([r.payload["member"] for r in records], physical_box(vote))


def by_xmin(vote: Vote) -> dict[int, str]:
    """The participation and the ballot written by the same transaction."""
    box: dict[int, list[str]] = {}
    for xmin, choice in rows(
        "SELECT xmin::text::bigint, choice FROM voting_secretballot WHERE vote_id = %s", vote.id
    ):
        box.setdefault(xmin, []).append(choice)
    found = rows(
        "SELECT xmin::text::bigint, member_id FROM voting_secretparticipation WHERE vote_id = %s",
        vote.id,
    )
    return {member: box[xmin][0] for xmin, member in found if len(box.get(xmin, [])) == 1}


def by_xmin_order(vote: Vote) -> dict[int, str]:
    box = rows(
        "SELECT choice FROM voting_secretballot WHERE vote_id = %s"
        " ORDER BY xmin::text::bigint, ctid",
        vote.id,
    )
    members = rows(
        "SELECT member_id FROM voting_secretparticipation WHERE vote_id = %s"
        " ORDER BY xmin::text::bigint, ctid",
        vote.id,
    )
    return zip_orders([m for (m,) in members], [c for (c,) in box])


def by_chain_xmin(vote: Vote) -> dict[int, str]:
    """A chain record's transaction id, and the ballot written just after it (the audit's
    "xmin + 1": the ballot's savepoint got the next transaction id)."""
    box = rows(
        "SELECT xmin::text::bigint, choice FROM voting_secretballot WHERE vote_id = %s", vote.id
    )
    linked = {}
    for xmin, payload in rows(
        "SELECT xmin::text::bigint, payload::text FROM voting_voterecord"
        " WHERE vote_id = %s AND kind = 'ballot'",
        vote.id,
    ):
        member = int(re.search(r'"member": (\d+)', payload).group(1))  # type: ignore[union-attr]
        after = [(x, c) for x, c in box if x > xmin]
        nearest = min((x for x, _ in after), default=None)
        choices = [c for x, c in after if x == nearest]
        if len(choices) == 1:
            linked[member] = choices[0]
    return linked


def by_ctid(vote: Vote) -> dict[int, str]:
    members = rows(
        "SELECT ctid::text, member_id FROM voting_secretparticipation WHERE vote_id = %s", vote.id
    )
    ordered = [m for _, m in sorted(members, key=lambda r: ctid_key(r[0]))]
    return zip_orders(ordered, physical_box(vote))


def _dump(table: str) -> list[dict[str, str]]:
    """The table's rows in the order `pg_dump` writes them (a backup, restored as is)."""
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "--table", table, "-h", db["HOST"] or "127.0.0.1"]
    command += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    header, body = out.split(" FROM stdin;\n", 1)
    columns = header.rsplit("(", 1)[1].rstrip(")").split(", ")
    lines = body.split("\n\\.\n", 1)[0].splitlines()
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines]


def by_dump_order(vote: Vote) -> dict[int, str]:
    members = [int(r["member_id"]) for r in _dump("voting_secretparticipation")]
    box = [r["choice"] for r in _dump("voting_secretballot") if r["vote_id"] == str(vote.id)]
    return zip_orders(members, box)


def by_rowid(vote: Vote) -> dict[int, str]:
    """SQLite: both tables' rowid order (the order rows were written)."""
    members = rows(
        "SELECT member_id FROM voting_secretparticipation WHERE vote_id = %s ORDER BY rowid",
        vote.id,
    )
    return zip_orders([m for (m,) in members], physical_box(vote))


def frozen(method: Pairing) -> Pairing:
    """The same method after VACUUM FREEZE (transaction ids survive it)."""

    def after_freeze(vote: Vote) -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM FREEZE voting_secretballot, voting_secretparticipation")
        return method(vote)

    return after_freeze


METHODS: dict[str, Pairing] = {
    "participation cast_at against the box": by_cast_time,
    "id order": by_id_order,
    "the vote log's records in id order": by_chain_order,
}
if POSTGRES:
    METHODS |= {
        "same xmin": by_xmin,
        "same xmin after VACUUM FREEZE": frozen(by_xmin),
        "xmin order": by_xmin_order,
        "ctid order": by_ctid,
        "pg_dump order": by_dump_order,
        "the next xmin after the chain record's": by_chain_xmin,
    }
else:
    METHODS["rowid order"] = by_rowid


@pytest.mark.parametrize("method", METHODS, ids=list(METHODS))
def test_a_closed_secret_ballot_cannot_be_linked_to_its_voters(election, method):
    vote, truth = election
    linked = METHODS[method](vote)
    right = sum(1 for member, choice in linked.items() if truth.get(member) == choice)
    print(f"{method}: {right} of {VOTERS} ballots linked to their voter")
    assert right <= CHANCE, f"{method} linked {right} of {VOTERS} ballots"


def test_the_box_holds_exactly_the_ballots_and_nothing_else(election):
    vote, truth = election
    assert sorted(
        SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True)
    ) == sorted(truth.values())
    assert {f.name for f in SecretBallot._meta.get_fields()} == {"id", "vote", "choice"}
    closed = VoteRecord.objects.get(vote=vote, kind="closed")
    assert closed.payload["box"] == sorted(truth.values())
    # The vote log records who voted, never how.
    for record in VoteRecord.objects.filter(vote=vote, kind="ballot"):
        assert set(record.payload) == {"member", "cast_by"}


def test_no_dead_row_of_the_box_survives_the_close(election):
    """PostgreSQL keeps deleted rows on their page until VACUUM: the close vacuums the box,
    so not even the raw pages hold a ballot written by a voter's transaction. SQLite zeroes
    what it deletes at once (secure_delete)."""
    vote, truth = election
    if not POSTGRES:
        assert rows("PRAGMA secure_delete") == [(1,)]
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    voters_xids = {x for (x,) in rows("SELECT xmin::text::bigint FROM voting_secretparticipation")}
    pages = rows(
        "SELECT pg_relation_size('voting_secretballot') / current_setting('block_size')::int"
    )[0][0]
    readable = []
    for page in range(pages):
        readable += rows(
            "SELECT t_xmin::text::bigint"
            " FROM heap_page_items(get_raw_page('voting_secretballot', %s))"
            " WHERE t_data IS NOT NULL",
            page,
        )
    assert readable and not {x for (x,) in readable} & voters_xids
