"""The vote log verified (R31): every HMAC recomputed, the head naming the last record,
every published anchor still in the chain, and every closed vote recounted from its stored
ballots against the chain (voting.recount). `manage.py verify_votes` runs it; so does
`verify_votes --against` with a published act's hashes (voting.published)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from .chain import GENESIS, Altered, legacy_digest, record_digest, vote_log_key
from .models import ChainHead, VoteRecord
from .recount import votes_recount


@dataclass
class ChainReport:
    checked: int
    first_bad: VoteRecord | None = None
    reason: str = ""
    vote_id: int | None = None
    legacy: int = 0  # records made before the key, verified as SHA-256 only
    recounted: int = 0  # closed votes whose tallies were recounted from their ballots
    head: str = GENESIS
    anchors: dict[str, VoteRecord | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.reason


def _hash_refused(record: VoteRecord) -> str:
    args = (record.prev_hash, record.vote_id, record.kind, record.at.isoformat(), record.payload)
    if record.hash == legacy_digest(*args):
        return (
            "hash does not match the record's content: it is a plain SHA-256, not this "
            "server's HMAC, so the record was written without the key (if it was made before "
            "the vote log had a key, set SEANCE_VOTE_LOG_LEGACY_HEAD to the last such hash)"
        )
    return "hash does not match the record's content (HMAC-SHA256 with this server's key)"


def _walk(
    records: Iterable[VoteRecord], key: bytes, legacy_head: str
) -> tuple[list[VoteRecord], int]:
    """Every record linked to the one before and hashed as its place in the chain says."""
    prev, walked, legacy = GENESIS, [], 0
    pending = bool(legacy_head)
    for record in records:
        if record.prev_hash != prev:
            raise Altered("broken link to the previous record", record)
        args = (prev, record.vote_id, record.kind, record.at.isoformat(), record.payload)
        if pending and record.hash == record_digest(key, *args):
            raise Altered(_legacy_missing(legacy_head), record)
        if pending and record.hash != legacy_digest(*args):
            raise Altered(
                "hash does not match the record's content (SHA-256, before the key)", record
            )
        if not pending and record.hash != record_digest(key, *args):
            raise Altered(_hash_refused(record), record)
        legacy += pending
        pending = pending and record.hash != legacy_head
        walked.append(record)
        prev = record.hash
    if pending:
        raise Altered(_legacy_missing(legacy_head))
    return walked, legacy


def _legacy_missing(legacy_head: str) -> str:
    return (
        f"SEANCE_VOTE_LOG_LEGACY_HEAD {legacy_head} is not in the chain where the records "
        "made before the key end: they were changed or removed"
    )


def _head_check(walked: list[VoteRecord]) -> str:
    """The head row must name the last record: a chain cut at its end is an alteration."""
    last = walked[-1].hash if walked else GENESIS
    head = ChainHead.objects.filter(pk=1).first()
    if head is None:
        if walked:
            raise Altered(
                f"the chain head is missing while {len(walked)} records exist: the head "
                "row was deleted"
            )
        return last
    if head.last_hash == last:
        return last
    earlier = next((r for r in walked if r.hash == head.last_hash), None)
    if earlier is not None:
        raise Altered(
            f"records after #{earlier.pk} are not covered by the chain head: they were "
            "added behind its back",
            earlier,
        )
    raise Altered(
        f"the chain is truncated: its head {head.last_hash} is not among the records, the "
        f"last of which is {last} (records were removed from the end)"
    )


def _anchors_check(
    walked: list[VoteRecord], anchors: Iterable[str]
) -> dict[str, VoteRecord | None]:
    by_hash = {r.hash: r for r in walked}
    found = {a.strip().lower(): by_hash.get(a.strip().lower()) for a in anchors}
    for anchor, record in found.items():
        if record is None:
            raise Altered(
                f"the published anchor {anchor} is not in the chain: the log was rewritten "
                "or cut after it was published"
            )
    return found


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the log and the tables while votes go on: a record appended
    meanwhile must not look like a head gone astray (PostgreSQL: one repeatable-read
    snapshot, which blocks nobody)."""
    if transaction.get_connection().in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def chain_verify(anchors: Iterable[str] = ()) -> ChainReport:
    """R31: recompute every HMAC; the head must name the last record; every vote recounted
    from its stored ballots against the chain; every published anchor still in the chain."""
    with _snapshot():
        return _verify(list(anchors))


def _verify(anchors: list[str]) -> ChainReport:
    report = ChainReport(0, anchors=dict.fromkeys(a.strip().lower() for a in anchors))
    key = vote_log_key()
    legacy_head = getattr(settings, "SEANCE_VOTE_LOG_LEGACY_HEAD", "").strip().lower()
    records = VoteRecord.objects.order_by("id").iterator()
    try:
        walked, report.legacy = _walk(_counting(records, report), key, legacy_head)
        report.anchors = _anchors_check(walked, anchors)
        report.head = _head_check(walked)
        report.recounted = votes_recount(walked)
    except Altered as altered:
        report.first_bad, report.vote_id, report.reason = (
            altered.record,
            altered.vote_id,
            altered.reason,
        )
    return report


def _counting(records: Iterable[VoteRecord], report: ChainReport) -> Iterable[VoteRecord]:
    for record in records:
        report.checked += 1
        yield record
