"""What an insider with the database does to the vote log, as the audit did on its copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from voting.chain import GENESIS
from voting.models import ChainHead, VoteRecord

Digest = Callable[[str, int, str, str, dict], str]


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@contextmanager
def as_insider() -> Iterator[None]:
    """The vote log's triggers off (PostgreSQL; the tests' role is a superuser, as an
    insider with the database would be), on again after. SQLite has none to disable."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        sql("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys checked, none left pending
        sql("ALTER TABLE voting_voterecord DISABLE TRIGGER ALL")
    try:
        yield
    finally:
        if postgres:
            sql("ALTER TABLE voting_voterecord ENABLE TRIGGER ALL")
            sql("SET CONSTRAINTS ALL DEFERRED")


def rechain(digest: Digest, edit: Callable[[VoteRecord], dict | None] = lambda r: None) -> str:
    """Every record's payload through `edit` (None: unchanged), every link and hash
    recomputed in order with `digest`, and the head set to the new last hash."""
    prev = GENESIS
    with as_insider():
        for record in VoteRecord.objects.order_by("id"):
            payload = edit(record) or record.payload
            digest_ = digest(prev, record.vote_id, record.kind, record.at.isoformat(), payload)
            VoteRecord.objects.filter(pk=record.pk).update(
                prev_hash=prev, hash=digest_, payload=payload
            )
            prev = digest_
        ChainHead.objects.filter(pk=1).update(last_hash=prev)
    return prev
