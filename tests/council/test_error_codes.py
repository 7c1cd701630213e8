"""Every refusal has a listed code and a French message.

The codes are listed per app, one StrEnum each in the app's errors module
(council.errors.CouncilErrorCode, sessions.errors.SittingErrorCode,
voting.errors.VotingErrorCode, streaming.errors.Code); a raise site names a member, never a
bare string, so a typo is an AttributeError at import rather than a code no client knows.
Every message a refusal shows is a gettext literal with a French translation.
"""

from __future__ import annotations

import ast
import gettext
from enum import StrEnum
from pathlib import Path

import pytest

from council.errors import CouncilErrorCode, DomainError
from sessions.errors import SittingErrorCode
from streaming.errors import Code as StreamingCode
from voting.errors import VotingErrorCode

ROOT = Path(__file__).resolve().parents[2]
APPS = ("council", "sessions", "voting", "streaming")
ENUMS: tuple[type[StrEnum], ...] = (
    CouncilErrorCode,
    SittingErrorCode,
    VotingErrorCode,
    StreamingCode,
)
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext"}


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), filename=str(path))


def _error_classes() -> set[str]:
    """Names of every class deriving from DomainError in the app code, and the base ones."""
    bases: dict[str, list[str]] = {}
    for _path, tree in _app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
    names = {"DomainError"}
    grown = True
    while grown:
        found = {n for n, bs in bases.items() if n not in names and names & set(bs)}
        names |= found
        grown = bool(found)
    return names


ERRORS = _error_classes()


def _raise_sites():
    for path, tree in _app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in ERRORS:
                    yield path.relative_to(ROOT), node


def test_no_raise_site_names_a_bare_code():
    bare = [
        f"{path}:{node.lineno}"
        for path, node in _raise_sites()
        for kw in node.keywords
        if kw.arg == "code" and isinstance(kw.value, ast.Constant)
    ]
    assert bare == []


def test_no_error_class_declares_a_bare_code():
    bare = []
    for path, tree in _app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in ERRORS:
                for st in node.body:
                    is_code = isinstance(st, ast.Assign) and any(
                        getattr(t, "id", "") == "code" for t in st.targets
                    )
                    if is_code and isinstance(st.value, ast.Constant):
                        bare.append(f"{path.relative_to(ROOT)}:{st.lineno}")
    assert bare == []


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_each_app_lists_its_codes_once(enum):
    values = [member.value for member in enum]
    assert len(values) == len(set(values))  # no code under two names
    assert all(value == value.lower() and " " not in value for value in values)


def test_every_error_class_code_is_listed():
    listed = {member.value for enum in ENUMS for member in enum}
    classes = [DomainError]
    seen = []
    while classes:
        cls = classes.pop()
        seen.append(cls)
        classes.extend(cls.__subclasses__())
    assert {cls.code for cls in seen} <= listed


def _french() -> gettext.GNUTranslations:
    with open(ROOT / "locale/fr/LC_MESSAGES/django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)


def _untranslated(arg: ast.expr, french: gettext.GNUTranslations) -> str | None:
    """The literal msgid of a message argument (`_("…")`, `_("…") % {…}`, `ngettext(…)`)
    when French has no translation of it."""
    if isinstance(arg, ast.BinOp):
        arg = arg.left
    if not (isinstance(arg, ast.Call) and getattr(arg.func, "id", "") in GETTEXT and arg.args):
        return None
    literals = [
        a.value for a in arg.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    if not literals:
        return None
    if arg.func.id == "ngettext" and len(literals) >= 2:
        translated = french.ngettext(literals[0], literals[1], 2) != literals[1]
    elif arg.func.id == "pgettext" and len(literals) >= 2:
        translated = french.pgettext(literals[0], literals[1]) != literals[1]
    else:
        translated = french.gettext(literals[-1]) != literals[-1]
    return None if translated else literals[-1]


def test_every_literal_refusal_message_is_translated_into_french():
    french = _french()
    missing = []
    for path, node in _raise_sites():
        msgid = _untranslated(node.args[0], french) if node.args else None
        if msgid is not None:
            missing.append(f"{path}:{node.lineno} {msgid[:60]}")
    assert missing == []
