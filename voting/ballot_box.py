"""The ballot box of a secret vote (R18, R22): choices with nothing that links them to
whoever cast them.

A secret ballot is written twice over, in two tables that never point at each other: the
participation (who voted, in whose name, when: public once the vote closes) and the
choice, in the box. The box holds no member, no time and no order. Its rows are never
appended one by one: every ballot and the close rewrite the vote's whole box, in a fresh
random order with fresh random keys, inside the transaction that stores the ballot (so an
acknowledged ballot is committed, never lost). What the database shows of the box is
therefore always one shuffled batch written by the last transaction:

- PostgreSQL: every row's `xmin` is the last writer's (the close, once closed), `ctid`
  order is the shuffle's, and `pg_dump` copies that order. The rows each rewrite leaves
  dead are cleared by a VACUUM of the box after the close (autovacuum does it later
  anyway); only a file-level copy of the data directory taken before could still hold
  their bytes.
- SQLite: `rowid` order is the shuffle's; `secure_delete` (council/settings.py) zeroes
  what each rewrite deletes.

During an open vote someone who reads the database between two ballots, or its
statements as they run, sees which choice each new ballot added: no storage layout can
hide that from a live administrator (README, "The secret ballot").

Helios and Belenios go further with ballots encrypted in the voter's browser and
decrypted by trustees; OpenSlides' vote service keeps voter and ballot apart in the same
way as here. A council votes in the room, under the chair's eye, with most ballots cast
on the town's own machines: the separation, made true at the storage level, is what R22
asks for, without a key ceremony before every secret ballot.
"""

from __future__ import annotations

import random
import uuid

from django.db import connection, transaction

from .models import SecretBallot, Vote

_shuffle = random.SystemRandom().shuffle


def _choices(vote: Vote) -> list[str]:
    return list(SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True))


def box_contents(vote: Vote) -> list[str]:
    """The box's choices, sorted: all that may be known of it once the vote is closed."""
    return sorted(_choices(vote))


def _rewrite(vote: Vote, choices: list[str]) -> None:
    _shuffle(choices)
    SecretBallot.objects.filter(vote=vote).delete()
    SecretBallot.objects.bulk_create(
        SecretBallot(id=uuid.uuid4(), vote=vote, choice=choice) for choice in choices
    )


def box_add(vote: Vote, *choices: str) -> None:
    """Put choices in the box (one ballot's, or a batch's), inside the caller's
    transaction, which holds the vote's lock: the whole box is written again, shuffled."""
    assert transaction.get_connection().in_atomic_block
    if choices:
        _rewrite(vote, [*_choices(vote), *choices])


def box_seal(vote: Vote) -> list[str]:
    """At the close: the box written once more by the closing transaction, its contents
    returned sorted for the vote log, and its dead rows vacuumed once that commits."""
    assert transaction.get_connection().in_atomic_block
    _rewrite(vote, _choices(vote))
    transaction.on_commit(_vacuum)
    return box_contents(vote)


def _vacuum() -> None:
    """Clear the rows the rewrites left dead (PostgreSQL; SQLite zeroes them at once).
    VACUUM cannot run inside a transaction: when the close committed inside an outer
    one, autovacuum will do it."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {SecretBallot._meta.db_table}")
