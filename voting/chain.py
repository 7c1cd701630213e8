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
every record after it must be keyed. The chain is verified by voting.verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
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
    key: bytes, prev_hash: str, vote_id: int, kind: str, at: str, payload: dict[str, Any]
) -> str:
    """A record's hash: HMAC-SHA256 of its canonical body with the vote log's key."""
    return hmac.new(key, _body(prev_hash, vote_id, kind, at, payload), hashlib.sha256).hexdigest()


def legacy_digest(prev_hash: str, vote_id: int, kind: str, at: str, payload: dict[str, Any]) -> str:
    """The hash of a record made before the log had a key: SHA-256 of the same body."""
    return hashlib.sha256(_body(prev_hash, vote_id, kind, at, payload)).hexdigest()


def record_append(*, vote: Vote, kind: str, payload: dict[str, Any]) -> VoteRecord:
    """Append to the chain inside the caller's transaction (the head row is locked)."""
    return records_append(vote=vote, kind=kind, payloads=[payload])[0]


def records_append(*, vote: Vote, kind: str, payloads: list[dict[str, Any]]) -> list[VoteRecord]:
    """Append one record per payload, in order, inside the caller's transaction: the head
    row locked and written once for them all (a batch of ballots), each record still
    naming the one before."""
    assert transaction.get_connection().in_atomic_block
    if not payloads:
        return []
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    key, records = vote_log_key(), []
    for payload in payloads:
        at = timezone.now()
        digest = record_digest(key, head.last_hash, vote.pk, kind, at.isoformat(), payload)
        records.append(
            VoteRecord(
                vote=vote, kind=kind, payload=payload, at=at, prev_hash=head.last_hash, hash=digest
            )
        )
        head.last_hash = digest
    stored = VoteRecord.objects.bulk_create(records)  # one INSERT, in order
    head.save(update_fields=["last_hash"])
    return stored


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
