"""The tamper-evident vote log (R31): each record's HMAC-SHA256 covers the one before.

Every vote event (opened, each ballot or participation, closed with its result and, for a
secret vote, the whole box) is a `VoteRecord` whose hash is an HMAC-SHA256, with a key
kept outside the database (`SEANCE_VOTE_LOG_KEY` or `SEANCE_VOTE_LOG_KEY_FILE`), of a
canonical body naming the previous record's hash. Someone who can write the database but
not read the key cannot recompute the chain after an edit. Someone who has the key too is
still caught by the anchors: each vote's closing hash is printed in the published minutes
and list of deliberations, outside the database, and `verify_votes --anchor` checks that a
published hash is still in the chain.

Records made before the log had a key carry a plain SHA-256: they verify only up to the
hash named by `SEANCE_VOTE_LOG_LEGACY_HEAD` (a setting, so outside the database too), and
every record after it must be keyed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import ChainHead, Vote, VoteRecord

GENESIS = "0" * 64


class Altered(Exception):
    """What verification found changed, and where (a record, or a vote)."""

    def __init__(self, reason: str, record: VoteRecord | None = None, vote_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.record = record
        self.vote_id = record.vote_id if record is not None and vote_id is None else vote_id


# --- the key ------------------------------------------------------------------------------


def _dev_key(path: Path) -> str:
    """Demo and tests: a random key made once in VAR_DIR, readable by its owner only. Made
    aside then linked into place, so two processes starting together read the same key."""
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()


def vote_log_key() -> bytes:
    """The key of the vote log's HMAC: the setting, else the file it names, else (demo,
    tests; production refuses to start without one) VAR_DIR/vote-log.key."""
    key = getattr(settings, "SEANCE_VOTE_LOG_KEY", "")
    key_file = getattr(settings, "SEANCE_VOTE_LOG_KEY_FILE", "")
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"SEANCE_VOTE_LOG_KEY_FILE: {exc}") from exc
        if not key:
            raise ImproperlyConfigured(f"SEANCE_VOTE_LOG_KEY_FILE {key_file} is empty.")
    if not key:
        key = _dev_key(Path(settings.VAR_DIR) / "vote-log.key")
    return key.encode()


# --- the records --------------------------------------------------------------------------


def _body(prev_hash: str, vote_id: int, kind: str, at: str, payload: dict[str, Any]) -> bytes:
    return json.dumps(
        {"prev": prev_hash, "vote": vote_id, "kind": kind, "at": at, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def record_digest(
    key: bytes, prev_hash: str, vote_id: int, kind: str, at: str, payload: dict
) -> str:
    """A record's hash: HMAC-SHA256 of its canonical body with the vote log's key."""
    return hmac.new(key, _body(prev_hash, vote_id, kind, at, payload), hashlib.sha256).hexdigest()


def legacy_digest(prev_hash: str, vote_id: int, kind: str, at: str, payload: dict) -> str:
    """The hash of a record made before the log had a key: SHA-256 of the same body."""
    return hashlib.sha256(_body(prev_hash, vote_id, kind, at, payload)).hexdigest()


def record_append(*, vote: Vote, kind: str, payload: dict[str, Any]) -> VoteRecord:
    """Append to the chain inside the caller's transaction (the head row is locked)."""
    assert transaction.get_connection().in_atomic_block
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    at = timezone.now()
    digest = record_digest(vote_log_key(), head.last_hash, vote.pk, kind, at.isoformat(), payload)
    record = VoteRecord.objects.create(
        vote=vote, kind=kind, payload=payload, at=at, prev_hash=head.last_hash, hash=digest
    )
    head.last_hash = digest
    head.save(update_fields=["last_hash"])
    return record


# --- the anchors published outside the database ---------------------------------------

# How the published acts label the anchors (sessions/minutes/pdf.py prints them), and how
# `verify_votes --against` finds them again there (voting/published.py): one wording.
HEAD_LABEL = gettext_noop("Vote log, head of the chain after the last vote of this sitting:")
CLOSE_LABEL = gettext_noop("Vote log, hash of the close of this vote:")


def vote_anchor(vote_id: int) -> str:
    """The hash of a vote's "closed" record: the chain's head when the vote closed ("" for
    a vote not closed)."""
    closed = VoteRecord.objects.filter(vote_id=vote_id, kind="closed").order_by("-id").first()
    return closed.hash if closed else ""


def closed_anchors(sitting_id: int) -> dict[int, str]:
    """Each closed vote of the sitting: the hash of its "closed" record."""
    closed = VoteRecord.objects.filter(vote__sitting_id=sitting_id, kind="closed")
    return dict(closed.order_by("id").values_list("vote_id", "hash"))


def sitting_anchor(sitting_id: int) -> str:
    """The chain's head after the sitting's last vote event ("" for a sitting without votes)."""
    last = VoteRecord.objects.filter(vote__sitting_id=sitting_id).order_by("-id").first()
    return last.hash if last else ""


# --- verification -------------------------------------------------------------------------


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


def _walk(records: Iterable[VoteRecord], key: bytes, legacy_head: str) -> tuple[list, int]:
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


def _anchors_check(walked: list[VoteRecord], anchors: Iterable[str]) -> dict:
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
    from .recount import votes_recount

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
