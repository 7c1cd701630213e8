"""Reading what a client sends, once, in one place: ids, lists of ids, counts, flags, text.

Every page, form, API call and websocket action parses its input with these functions, so
that a value is either exactly what the code expects or refused with InvalidInput (a stable
code and a French message: HTTP 400 on a page or the API, an error frame on a socket).

An id is a positive integer that fits the database's 64-bit keys: in a JSON message (a
socket frame, an API body) a JSON integer and nothing else (not "55", not 55.0, not true);
in a form field, a query string or a URL, a string of 1 to 19 ASCII digits (not "²", which
str.isdigit() accepts and int() refuses, not "٣", which both accept, not " 3" or "1e3").

A member id is read once too, with its assembly: `parse_member`, `parse_optional_member`
and `parse_members` refuse an id of another assembly's member as an unknown one (400
unknown_member), never return its member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from council.errors import CouncilErrorCode, InvalidInput
from council.models import Assembly, Member

MAX_ID = 2**63 - 1  # PostgreSQL's bigint, SQLite's integer
MAX_IDS = 1000  # more members than any French council has (Paris: 163)
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")

_NOT_ID = gettext_noop('"%(field)s" must be an id (a positive whole number).')
_NOT_IDS = gettext_noop('"%(field)s" must be a list of ids (positive whole numbers).')


def _refuse(message: str, field: str) -> InvalidInput:
    return InvalidInput(
        _(message) % {"field": field}, code=CouncilErrorCode.INVALID_FIELD, field=field
    )


def _whole(value: object, *, strings: bool) -> int | None:
    """`value` as a whole number if it is one in the accepted spelling, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if strings and isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
        return int(value)
    return None


def parse_id(value: object, *, field: str, strings: bool = False) -> int:
    """An id: a JSON integer, or with `strings` (forms, query strings, URLs) also a string
    of ASCII digits."""
    number = _whole(value, strings=strings)
    if number is None or not 0 < number <= MAX_ID:
        raise _refuse(_NOT_ID, field)
    return number


def parse_optional_id(value: object, *, field: str, strings: bool = False) -> int | None:
    """An id, or None when the field is absent (None, or an empty form field)."""
    if value is None or (strings and value == ""):
        return None
    return parse_id(value, field=field, strings=strings)


def parse_single(values: list[str], *, field: str) -> str | None:
    """The one value of a query string's or a form's field (absent: None); a field given
    twice is refused, never read as its first or last value."""
    if len(values) > 1:
        raise InvalidInput(
            _('"%(field)s" is given more than once.') % {"field": field},
            code=CouncilErrorCode.INVALID_FIELD,
            field=field,
        )
    return values[0] if values else None


def parse_ids(
    value: object, *, field: str, strings: bool = False, limit: int = MAX_IDS
) -> list[int]:
    """A list of ids (a JSON array, or a form's repeated field), in the order given."""
    if not isinstance(value, list | tuple) or len(value) > limit:
        raise _refuse(_NOT_IDS, field)
    numbers = [_whole(v, strings=strings) for v in value]
    if any(n is None or not 0 < n <= MAX_ID for n in numbers):
        raise _refuse(_NOT_IDS, field)
    return [n for n in numbers if n is not None]


def parse_count(value: object, *, field: str, maximum: int, strings: bool = False) -> int:
    """A number of votes, of members...: a whole number from 0 to `maximum`."""
    number = _whole(value, strings=strings)
    if number is None or not 0 <= number <= maximum:
        raise InvalidInput(
            _('"%(field)s" must be a whole number from 0 to %(max)s.')
            % {"field": field, "max": maximum},
            code=CouncilErrorCode.INVALID_FIELD,
            field=field,
        )
    return number


# 1 and 0 are the keys True and False; "1", "0" and "" are how the pages send them.
FLAGS: dict[object, bool] = {True: True, False: False, "1": True, "0": False, "": False}


def parse_flag(value: object, *, field: str, default: bool | None = None) -> bool:
    """A yes or no: true or false, or as the pages send it, 1 or "1" and 0, "0" or ""
    (absent: `default`, refused without one). Never a truthy "false" or "no"."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool | int | str) and value in FLAGS:
        return FLAGS[value]
    raise InvalidInput(
        _('"%(field)s" must be true or false.') % {"field": field},
        code=CouncilErrorCode.INVALID_FIELD,
        field=field,
    )


def parse_text(value: object, *, field: str, max_length: int, default: str = "") -> str:
    """Text of at most `max_length` characters (absent: `default`), that the database can
    store: no NUL character, no half of a UTF-16 pair (JSON's "\\ud800" decodes to one)."""
    if value is None:
        return default
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidInput(
            _('"%(field)s" must be text of at most %(max)s characters.')
            % {"field": field, "max": max_length},
            code=CouncilErrorCode.INVALID_FIELD,
            field=field,
        )
    if not _storable(value):
        raise InvalidInput(
            _('"%(field)s" holds a character that is not text (NUL, or half a pair).')
            % {"field": field},
            code=CouncilErrorCode.INVALID_FIELD,
            field=field,
        )
    return value


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_choice(
    value: object, *, field: str, choices: Iterable[str], default: str | None = None
) -> str:
    """One of `choices` (absent: `default`, if there is one)."""
    allowed = list(choices)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(
            _('"%(field)s" must be one of: %(choices)s.')
            % {"field": field, "choices": ", ".join(allowed)},
            code=CouncilErrorCode.INVALID_FIELD,
            field=field,
        )
    return value


def parse_ref(value: object) -> Any:
    """The client's reference of a socket message, echoed in the answer: absent, a short
    text or an integer."""
    if value is None or (isinstance(value, str) and len(value) <= 64):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return value
    raise InvalidInput(
        _('"ref" must be a text of at most 64 characters or a whole number.'),
        code=CouncilErrorCode.INVALID_FIELD,
        field="ref",
    )


def _unknown_member() -> InvalidInput:
    return InvalidInput(_("No such member in this assembly."), code=CouncilErrorCode.UNKNOWN_MEMBER)


def parse_members(
    assembly: Assembly, value: object, *, field: str, strings: bool = False
) -> list[Member]:
    """The members of `assembly` a list of ids names, in the order given, each once."""
    ids = list(dict.fromkeys(parse_ids(value, field=field, strings=strings)))
    found = {m.pk: m for m in Member.objects.filter(assembly=assembly, pk__in=ids)}
    if len(found) != len(ids):
        raise _unknown_member()
    return [found[i] for i in ids]


def parse_member(
    assembly: Assembly, value: object, *, field: str = "member", strings: bool = False
) -> Member:
    """The member of `assembly` an id names."""
    member_id = parse_id(value, field=field, strings=strings)
    member = Member.objects.filter(assembly=assembly, pk=member_id).first()
    if member is None:
        raise _unknown_member()
    return member


def parse_optional_member(
    assembly: Assembly,
    value: object,
    *,
    field: str,
    strings: bool = False,
    known: Mapping[int, Member] | None = None,
) -> Member | None:
    """The member of `assembly` an id names, or None when the field is absent. `known`:
    the members of `assembly` that the ids of a whole batch name (members_named), read
    once for the batch instead of once per message."""
    member_id = parse_optional_id(value, field=field, strings=strings)
    if member_id is None or known is None:
        return None if member_id is None else parse_member(assembly, member_id, field=field)
    if member_id not in known:
        raise _unknown_member()
    return known[member_id]


def members_named(assembly: Assembly, values: Iterable[object]) -> dict[int, Member]:
    """The members of `assembly` that the well-formed ids among `values` name (one query;
    a malformed id names nobody here and is refused when its own message is parsed)."""
    ids = set()
    for value in values:
        with suppress(InvalidInput):  # refused with its own message
            ids.add(parse_optional_id(value, field="member"))
    ids.discard(None)
    return Member.objects.filter(assembly=assembly, pk__in=ids).in_bulk() if ids else {}
