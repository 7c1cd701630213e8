"""The tamper-evident vote log: each record's SHA-256 covers the one before."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Ballot, ChainHead, Vote, VoteRecord

GENESIS = "0" * 64


def _digest(prev_hash: str, vote_id: int, kind: str, at: str, payload: dict[str, Any]) -> str:
    body = json.dumps(
        {"prev": prev_hash, "vote": vote_id, "kind": kind, "at": at, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_append(*, vote: Vote, kind: str, payload: dict[str, Any]) -> VoteRecord:
    """Append to the chain inside the caller's transaction (the head row is locked)."""
    assert transaction.get_connection().in_atomic_block
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    at = timezone.now()
    digest = _digest(head.last_hash, vote.pk, kind, at.isoformat(), payload)
    record = VoteRecord.objects.create(
        vote=vote, kind=kind, payload=payload, at=at, prev_hash=head.last_hash, hash=digest
    )
    head.last_hash = digest
    head.save(update_fields=["last_hash"])
    return record


@dataclass
class ChainReport:
    checked: int
    first_bad: VoteRecord | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def chain_verify() -> ChainReport:
    """Recompute every hash and compare each public ballot with the record that logged it."""
    prev = GENESIS
    checked = 0
    ballots = {b.pk: b for b in Ballot.objects.all()}
    for record in VoteRecord.objects.order_by("id").iterator():
        checked += 1
        expected = _digest(prev, record.vote_id, record.kind, record.at.isoformat(), record.payload)
        if record.prev_hash != prev:
            return ChainReport(checked, record, "broken link to the previous record")
        if record.hash != expected:
            return ChainReport(checked, record, "hash does not match the record's content")
        if record.kind == "ballot" and "ballot" in record.payload:
            ballot = ballots.get(record.payload["ballot"])
            if ballot is None:
                return ChainReport(checked, record, "ballot missing from the database")
            stored = {
                "member": ballot.member_id,
                "cast_by": ballot.cast_by_id,
                "choice": ballot.choice,
            }
            logged = {k: record.payload[k] for k in stored}
            if stored != logged:
                return ChainReport(checked, record, f"ballot {ballot.pk} differs from its record")
        prev = record.hash
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != prev:
        return ChainReport(checked, None, "")
    return ChainReport(checked)
