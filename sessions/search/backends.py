"""The full-text index and its queries, per database vendor.

- PostgreSQL: a text search configuration `seance_french`, a copy of `french` whose words
  go through `unaccent` before the French stemmer (so "deliberation" finds
  "délibérations"), and a GIN index on `to_tsvector('seance_french', text)`. `unaccent`
  is a trusted extension since PostgreSQL 13: the database's owner may create it. Where
  it cannot be created, the configuration is a plain copy of `french` (accents then
  count).
- SQLite: an FTS5 table over the entries' text (`unicode61 remove_diacritics 2`: case
  and accents do not count), an external-content table kept in sync by triggers. SQLite
  has no French stemmer: each word is searched as a prefix, a final "s" or "x" dropped.

The user's words are never given to the engine's query syntax: PostgreSQL gets them
through `plainto_tsquery`, FTS5 as double-quoted strings made of letters and digits
only (`words`). Matches come back marked with two private-use characters that the
indexed text never holds (`clean`), turned into escaped fragments by `fragments`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.utils import DatabaseError

TABLE = "sittings_searchentry"
FTS = "sittings_searchentry_fts"
CONFIG = "seance_french"
START, STOP = "\ue000", "\ue001"  # a match's marks in a snippet
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")


def clean(text: str) -> str:
    """The text as indexed: without control characters, nor the snippets' marks."""
    return _UNSAFE.sub(" ", text)


# --- the index, made by the migration -------------------------------------------------------


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the full-text index for this database. SQLite: a later migration that alters
    the entries' table (SQLite remakes the table) must call this again for the triggers."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _install_postgresql(schema_editor)
    elif vendor == "sqlite":
        _install_sqlite(schema_editor)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_fts")
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


def _install_postgresql(schema_editor: BaseDatabaseSchemaEditor) -> None:
    run = schema_editor.execute
    exists = "SELECT 1 FROM pg_ts_config WHERE cfgname = %s"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(exists, [CONFIG])
        made = cursor.fetchone() is not None
    if not made:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                run("CREATE EXTENSION IF NOT EXISTS unaccent")
                run(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = french)")
                run(
                    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR "
                    "hword, hword_part, word WITH unaccent, french_stem"
                )
        except DatabaseError:  # no unaccent here: accents will count
            run(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = french)")
    run(
        f"CREATE INDEX IF NOT EXISTS {TABLE}_fts ON {TABLE} "
        f"USING gin (to_tsvector('{CONFIG}'::regconfig, text))"
    )


def _install_sqlite(schema_editor: BaseDatabaseSchemaEditor) -> None:
    run = schema_editor.execute
    run(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(text, content='{TABLE}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    delete = f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.id, old.text);"
    insert = f"INSERT INTO {FTS}(rowid, text) VALUES (new.id, new.text);"
    for suffix, event, body in [
        ("ai", "AFTER INSERT", insert),
        ("ad", "AFTER DELETE", delete),
        ("au", "AFTER UPDATE", delete + " " + insert),
    ]:
        run(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
        run(f"CREATE TRIGGER {TABLE}_{suffix} {event} ON {TABLE} BEGIN {body} END")
    run(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    entry_id: int
    snippet: str  # with START and STOP around the matches


def _fts5_match(words: list[str]) -> str:
    """Each word a quoted FTS5 string (letters and digits only: nothing to escape), a
    prefix from three letters on, its plural ending dropped; all of them required."""
    terms = []
    for word in words:
        word = word.lower()
        if len(word) > 4 and word[-1] in "sx":
            word = word[:-1]
        terms.append(f'"{word}"*' if len(word) >= 3 else f'"{word}"')
    return " ".join(terms)


def _where(assembly_id: int | None) -> tuple[str, list[Any]]:
    if assembly_id is None:
        return "s.state <> 'draft'", []
    return "s.state <> 'draft' AND e.assembly_id = %s", [assembly_id]


# Newest sitting first, then its agenda and acts, then what was said in order of time.
# Not by relevance: ts_rank re-reads every matching text (1.2 s for a word found 30,000
# times among 200,000 entries, against 0.08 s in this order), and a council's archive is
# read by date.
ORDER = "s.starts_at DESC, COALESCE(e.seconds, -1), e.id"


def search(
    words: list[str], *, assembly_id: int | None, limit: int, offset: int
) -> tuple[int, list[Hit]]:
    """(number of hits, the hits from `offset`, newest sitting first) for entries of
    non-draft sittings holding every word."""
    if connection.vendor == "postgresql":
        return _search_postgresql(" ".join(words), assembly_id, limit, offset)
    return _search_sqlite(_fts5_match(words), assembly_id, limit, offset)


def _search_postgresql(
    text: str, assembly_id: int | None, limit: int, offset: int
) -> tuple[int, list[Hit]]:
    where, params = _where(assembly_id)
    matching = (
        f"FROM {TABLE} e JOIN sittings_sitting s ON s.id = e.sitting_id, "
        f"plainto_tsquery('{CONFIG}', %s) q "
        f"WHERE to_tsvector('{CONFIG}'::regconfig, e.text) @@ q AND {where}"
    )
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {matching}", [text, *params])
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT page.id, ts_headline('{CONFIG}', page.text, "
            f"plainto_tsquery('{CONFIG}', %s), %s) FROM ("
            f"SELECT e.id, e.text, s.starts_at, COALESCE(e.seconds, -1) AS at {matching} "
            f"ORDER BY {ORDER} LIMIT %s OFFSET %s) page "
            "ORDER BY page.starts_at DESC, page.at, page.id",
            [text, options, text, *params, limit, offset],
        )
        return total, [Hit(pk, snippet) for pk, snippet in cursor.fetchall()]


def _search_sqlite(
    match: str, assembly_id: int | None, limit: int, offset: int
) -> tuple[int, list[Hit]]:
    where, params = _where(assembly_id)
    matching = (
        f"FROM {FTS} f JOIN {TABLE} e ON e.id = f.rowid "
        f"JOIN sittings_sitting s ON s.id = e.sitting_id WHERE {FTS} MATCH %s AND {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {matching}", [match, *params])
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT e.id, snippet({FTS}, 0, %s, %s, '…', 24) {matching} "
            f"ORDER BY {ORDER} LIMIT %s OFFSET %s",
            [START, STOP, match, *params, limit, offset],
        )
        return total, [Hit(pk, snippet) for pk, snippet in cursor.fetchall()]


def fragments(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, is a match) pieces, for the template to escape and mark."""
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{START}{STOP}]", snippet)):
        if part:
            pieces.append((part, i % 2 == 1))
    return pieces
