"""A published act checked against the vote log (R31): `verify_votes --against`.

The minutes and the list of deliberations print the head of their sitting's vote chain, the
minutes and each deliberation the hash of each vote's close (sessions/minutes/pdf.py). Those
hashes are read back from the act as the public has it, a PDF (pypdf's text) or its
accessible page (/archive/publications/<id>/), from a file or an http(s) URL, and the
chain is recomputed against them: intact, or where it departs from what was published.
Only the act's own words are trusted for the hashes; the database only names the sitting.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from sessions.models import Publication

from .chain import CLOSE_LABEL, HEAD_LABEL, sitting_anchor
from .models import VoteRecord
from .verify import ChainReport, chain_verify

FETCH_TIMEOUT = 15.0  # seconds, for each connect and read
FETCH_LIMIT = 20 * 1024 * 1024  # bytes: no published act is near that

PDF_LABEL = gettext_noop("SHA-256 of the PDF:")
HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


class Unreadable(Exception):
    """The input is not a published act this command can read (said in the message)."""


@dataclass
class PublishedAct:
    source: str
    form: str  # "pdf" or "html"
    sha256: str  # of the PDF: its bytes, or the hash the accessible page states
    head: str = ""  # the sitting's head, as printed ("" in a deliberation)
    closes: list[str] = field(default_factory=list)  # each vote's close, in printed order

    @property
    def anchors(self) -> list[str]:
        return [*self.closes, *([self.head] if self.head else [])]


# --- reading the input ----------------------------------------------------------------


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise Unreadable(
                _("Redirected to %(url)s: only http and https are read.") % {"url": newurl}
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, timeout: float, limit: int) -> bytes:
    opener = urllib.request.build_opener(_Redirects)
    request = urllib.request.Request(url, headers={"User-Agent": "seance-verify-votes"})
    try:
        with opener.open(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise Unreadable(
                    _("%(url)s is larger than %(limit)s bytes.") % {"url": url, "limit": limit}
                )
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise Unreadable(
            _("%(url)s answered %(status)s.") % {"url": url, "status": exc.code}
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreadable(
            _("%(url)s could not be read: %(reason)s.") % {"url": url, "reason": reason}
        ) from exc
    if len(data) > limit:
        raise Unreadable(
            _("%(url)s is larger than %(limit)s bytes.") % {"url": url, "limit": limit}
        )
    return data


def act_bytes(source: str, *, timeout: float = FETCH_TIMEOUT, limit: int = FETCH_LIMIT) -> bytes:
    """The bytes of a file path or of an http(s) URL (any other scheme is refused), within
    `limit` bytes and `timeout` seconds a connect or read."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _fetch(source, timeout, limit)
    if "://" in source or scheme in ("file", "ftp", "data"):
        raise Unreadable(
            _("Only a file, or an http or https URL, is read: not %(src)s.") % {"src": source}
        )
    path = Path(source)
    try:
        if path.stat().st_size > limit:
            raise Unreadable(
                _("%(src)s is larger than %(limit)s bytes.") % {"src": source, "limit": limit}
            )
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(
            _("%(src)s could not be read: %(reason)s.") % {"src": source, "reason": exc.strerror}
        ) from exc


class _Text(HTMLParser):
    """The page's text, in order, scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style")
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _pdf_text(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Unreadable(_("The PDF could not be read: %(reason)s.") % {"reason": exc}) from exc


def _labels(msgid: str) -> set[str]:
    """A label as printed in French and in English, its spaces taken out."""
    out = set()
    for lang in ("fr", "en"):
        with translation.override(lang):
            out.add(re.sub(r"\s+", "", _(msgid)))
    return out


def _hashes(text: str, labelled: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each 64-hex hash of the text under the label just before it."""
    found: dict[str, list[str]] = {name: [] for name in labelled}
    flat = text.replace("\r", " ").replace("\n", " ")
    for match in HASH.finditer(flat):
        before = re.sub(r"\s+", "", flat[max(0, match.start() - 300) : match.start()])
        for name, labels in labelled.items():
            if any(before.endswith(label) for label in labels):
                found[name].append(match.group())
    return found


def act_read(
    source: str, *, timeout: float = FETCH_TIMEOUT, limit: int = FETCH_LIMIT
) -> PublishedAct:
    """R31: the vote log hashes a published act prints, from its PDF or its accessible page."""
    data = act_bytes(source, timeout=timeout, limit=limit)
    labelled = {"head": _labels(HEAD_LABEL), "close": _labels(CLOSE_LABEL)}
    if data.startswith(b"%PDF-"):
        found = _hashes(_pdf_text(data), labelled)
        act = PublishedAct(source, "pdf", hashlib.sha256(data).hexdigest())
    else:
        try:
            page = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(
                _("%(src)s is neither a PDF nor an HTML page.") % {"src": source}
            ) from exc
        if "<html" not in page[:2000].lower():
            raise Unreadable(_("%(src)s is neither a PDF nor an HTML page.") % {"src": source})
        parser = _Text()
        parser.feed(page)
        text = html.unescape("".join(parser.parts))
        found = _hashes(text, {**labelled, "pdf": _labels(PDF_LABEL)})
        act = PublishedAct(source, "html", (found["pdf"] or [""])[0])
    if len(found["head"]) > 1:
        raise Unreadable(_("%(src)s prints more than one head of the vote log.") % {"src": source})
    act.head = (found["head"] or [""])[0]
    act.closes = found["close"]
    if not act.anchors:
        raise Unreadable(
            _("%(src)s prints no vote log hash: it is not a published act of a sitting with votes.")
            % {"src": source}
        )
    return act


# --- checking it against the chain ---------------------------------------------------


@dataclass
class AgainstReport:
    act: PublishedAct
    chain: ChainReport
    sitting: Any = None  # the sitting the act is of (None: no such act, no such hash here)
    head_now: str = ""  # the sitting's head in the log now
    problem: str = ""  # "" when intact
    diverged: bool = False  # the problem is the log's, not the act's sitting
    last_good: VoteRecord | None = None  # where the log still agrees with the act

    @property
    def ok(self) -> bool:
        return not self.problem


def _sitting_of(act: PublishedAct) -> tuple[Any, str]:
    """The sitting the act is of: the publication with its PDF's hash, else the sitting of
    the vote its hashes name; and a problem when the two disagree."""
    published = Publication.objects.filter(sha256=act.sha256).select_related("sitting").first()
    records = VoteRecord.objects.filter(hash__in=act.anchors).select_related("vote__sitting")
    by_votes = {r.vote.sitting for r in records}
    if published is not None:
        others = by_votes - {published.sitting}
        if others:
            other = others.pop()
            return published.sitting, _(
                "the act is a publication of sitting %(a)s but its hashes are of sitting %(b)s"
            ) % {"a": published.sitting_id, "b": other.pk}
        return published.sitting, ""
    if len(by_votes) > 1:
        return None, _("the act's hashes belong to several sittings")
    return (by_votes.pop() if by_votes else None), ""


def act_verify(act: PublishedAct, *, sitting_id: int | None = None) -> AgainstReport:
    """R31: the whole chain recomputed with the act's hashes as anchors; the act's head must
    be its sitting's head in the log now; and, asked for, the act must be of `sitting_id`."""
    report = AgainstReport(act, chain_verify(anchors=act.anchors))
    report.sitting, problem = _sitting_of(act)
    if report.sitting is not None:
        report.head_now = sitting_anchor(report.sitting.pk)
    present = dict(VoteRecord.objects.filter(hash__in=act.anchors).values_list("hash", "id"))
    kept = [h for h in act.anchors if h in present]
    if kept:
        report.last_good = VoteRecord.objects.get(pk=max(present[h] for h in kept))
    if sitting_id is not None and (report.sitting is None or report.sitting.pk != sitting_id):
        where = report.sitting.pk if report.sitting is not None else "?"
        report.problem = _("this act is of sitting %(found)s, not of sitting %(asked)s") % {
            "found": where,
            "asked": sitting_id,
        }
    elif problem:
        report.problem = problem
    elif not report.chain.ok:
        report.problem, report.diverged = report.chain.reason, True
    elif act.head and act.head != report.head_now:
        report.problem = _(
            "the published head is no longer the sitting's head: its records now end with "
            "%(now)s, written after the act was published"
        ) % {"now": report.head_now}
        report.diverged = True
    return report
