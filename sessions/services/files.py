"""Files that belong to a row: written only once every rule has passed, removed again if
the transaction that records the row does not commit. A refused or rolled-back request
leaves the media folder as it found it (issue 14: three refused proxies had left 6.3 MB
of PDF behind, with no row).

Django has no hook for a rollback, and writing the file in `transaction.on_commit` would
commit a row whose file may never be written; so the file is written inside the
transaction, last, and this context, wrapped around the outermost `atomic` of the
service, deletes it (and the folders its writing created) when the block raises or its
commit fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile


@dataclass
class Written:
    """What a service wrote in its transaction, to undo if the transaction fails."""

    files: list[tuple[Storage, str, list[Path]]] = field(default_factory=list)

    def save(self, target: FieldFile, name: str, content: File[Any]) -> None:
        """`target.save(name, content)` without saving the row, remembered for undoing."""
        storage = target.storage
        planned = target.field.generate_filename(target.instance, name)
        created = _missing_folders(storage, planned)
        target.save(name, content, save=False)
        self.files.append((storage, str(target.name), created))

    def undo(self) -> None:
        for storage, name, folders in reversed(self.files):
            storage.delete(name)
            for folder in folders:  # deepest first; only if nothing else came in
                try:
                    folder.rmdir()
                except OSError:
                    break
        self.files.clear()


def _missing_folders(storage: Storage, name: str) -> list[Path]:
    """The folders that writing `name` will create, deepest first (none for a storage
    without local paths)."""
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        return []
    missing = []
    for folder in path.parents:
        if folder.exists():
            break
        missing.append(folder)
    return missing


_enclosing: ContextVar[Written | None] = ContextVar("files_written", default=None)


@contextmanager
def files_undone_on_failure() -> Iterator[Written]:
    """Around the service's `transaction.atomic()` (entered first, left last):

        with files_undone_on_failure() as written, transaction.atomic():
            ...every check...
            written.save(row.document, name, content)
            row.save()

    A service cannot see a caller's own transaction roll back after it returns: a caller
    that holds one (a loader writing many rows at once) wraps its block in this context
    too, and the files of the services that succeeded inside are undone with it."""
    written = Written()
    token = _enclosing.set(written)
    try:
        yield written
    except BaseException:
        written.undo()
        raise
    finally:
        _enclosing.reset(token)
    outer = _enclosing.get()
    if outer is not None:
        outer.files.extend(written.files)  # the enclosing block may still roll back
