"""Every stored file whose SHA-256 was recorded when it was written, checked against its
bytes: the published acts (R31: a PDF never modified), the convocations as sent and
published (R9), the uploaded papers, and the published replays (R34).

Run after a restore (deploy/backup/seance-restore) and whenever in doubt:
`python manage.py verify_acts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models.fields.files import FieldFile

from sessions.models import Convocation, Document, Publication
from streaming.media import replay_file
from streaming.models import Replay


@dataclass(frozen=True)
class StoredFile:
    """One file and the hash the database holds for it."""

    kind: str  # "act", "convocation", "paper", "replay"
    label: str
    path: Path | None
    sha256: str
    size: int | None = None


@dataclass
class IntegrityReport:
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _path(file: FieldFile) -> Path | None:
    return Path(settings.MEDIA_ROOT) / file.name if file.name else None


def _stored_files() -> Iterator[StoredFile]:
    for act in Publication.objects.order_by("id"):
        label = f"published act #{act.pk} ({act.get_kind_display()}: {act.title})"
        yield StoredFile("act", label, _path(act.document), act.sha256, act.size)
    for convocation in Convocation.objects.order_by("id"):
        label = f"convocation {convocation.register_number}"
        yield StoredFile("convocation", label, _path(convocation.pdf), convocation.pdf_sha256)
    for doc in Document.objects.order_by("id"):
        label = f"paper #{doc.pk} ({doc.title})"
        yield StoredFile("paper", label, _path(doc.file), doc.sha256, doc.size)
    for replay in Replay.objects.filter(state=Replay.State.READY).order_by("id"):
        label = f"replay of sitting #{replay.sitting_id}"
        yield StoredFile("replay", label, replay_file(replay), replay.sha256, replay.size)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _problem(stored: StoredFile) -> str | None:
    if stored.path is None:
        return f"{stored.label}: no file recorded"
    if not stored.path.is_file():
        return f"{stored.label}: file {stored.path} is missing"
    if stored.size is not None and stored.path.stat().st_size != stored.size:
        return (
            f"{stored.label}: file {stored.path} has {stored.path.stat().st_size} bytes, "
            f"{stored.size} recorded"
        )
    actual = _sha256(stored.path)
    if actual != stored.sha256:
        return f"{stored.label}: file {stored.path} has SHA-256 {actual}, {stored.sha256} recorded"
    return None


def stored_files_verify() -> IntegrityReport:
    """Hash every recorded file; report each one missing or differing from its record."""
    report = IntegrityReport(checked={"act": 0, "convocation": 0, "paper": 0, "replay": 0})
    for stored in _stored_files():
        report.checked[stored.kind] += 1
        problem = _problem(stored)
        if problem:
            report.problems.append(problem)
    return report
