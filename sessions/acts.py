"""One content model per published act, two renderings of it (R31, R34).

An act (the convocation, the minutes, the list of deliberations, each deliberation) is a
list of blocks: paragraphs in a ReportLab style (the title, headings, body text, a hash),
bullet lists, tables and spaces. The same blocks make the PDF (ReportLab platypus) and the
accessible HTML page served beside it, and are stored with the published file, so that the
two cannot say different things.

Why an HTML page rather than a tagged PDF: open-source ReportLab writes no structure tree
(no /StructTreeRoot, no /MarkInfo, no marked content in its pages; its catalog only has
slots for them), so its PDFs are not PDF/UA; WeasyPrint can write PDF/UA-1 and PDF/A but
needs Pango, a system library the embedded set-up cannot count on. README, "Accessible
acts", gives the evidence; tests/sessions/test_accessible_acts.py checks it in the files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import get_language
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table

Block = dict[str, Any]

STYLES = getSampleStyleSheet()
HEADINGS = {"Heading1": 1, "Heading2": 2, "Heading3": 3}


@dataclass(frozen=True)
class Act:
    """An act's words: `title` is the PDF's document title, `lang` the language it speaks."""

    title: str
    blocks: list[Block]
    lang: str = field(default_factory=lambda: get_language() or "fr")

    def stored(self) -> dict[str, Any]:
        """What `Publication.content` / `Convocation.content` keep."""
        return {"title": self.title, "lang": self.lang, "blocks": self.blocks}


def para(text: str, style: str = "Normal") -> Block:
    """A paragraph of plain text in a ReportLab sample style (Title, Heading1-3, Normal,
    Code for a hash); newlines are kept."""
    return {"kind": "p", "style": style, "text": text}


def bullets(items: list[str]) -> Block:
    return {"kind": "list", "items": items}


def table(
    head: list[str],
    rows: list[list[str]],
    *,
    caption: str,
    widths: list[float] | None = None,
    wrapped: tuple[int, ...] = (),
) -> Block:
    """A table whose first row is `head`; `widths` in cm; `wrapped`: the columns whose cells
    are paragraphs in the PDF (they wrap); `caption` is the HTML's (the PDF has none)."""
    return {
        "kind": "table",
        "head": head,
        "rows": rows,
        "caption": caption,
        "widths": widths,
        "wrapped": list(wrapped),
    }


def space(height_cm: float) -> Block:
    return {"kind": "space", "height": height_cm}


# The PDF.


def _paragraph(text: str, style: str = "Normal") -> Paragraph:
    """User input is escaped for ReportLab's paragraph markup: a title such as
    `<img src=...>` is printed, not read as markup (which would crash the PDF or pull a
    server file into it)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _flowable(block: Block) -> Any:
    kind = block["kind"]
    if kind == "p":
        return _paragraph(block["text"], block["style"])
    if kind == "list":
        items = [ListItem(_paragraph(i)) for i in block["items"]]
        return ListFlowable(items, bulletType="bullet")
    if kind == "space":
        return Spacer(1, block["height"] * cm)
    wrapped = set(block["wrapped"])
    rows = [block["head"]] + [
        [_paragraph(c) if n in wrapped else c for n, c in enumerate(row)] for row in block["rows"]
    ]
    widths = [w * cm for w in block["widths"]] if block["widths"] else None
    return Table(rows, colWidths=widths, hAlign="LEFT")


def pdf_from(title: str, flowables: Iterable[Any], *, lang: str | None = None) -> bytes:
    """A4, 2 cm side margins; the document's title, author and language (/Lang, read by
    screen readers) in its catalog."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Séance",
        lang=lang or get_language() or "fr",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    doc.build(list(flowables))
    return buffer.getvalue()


def pdf_of(act: Act) -> bytes:
    return pdf_from(act.title, [_flowable(b) for b in act.blocks], lang=act.lang)


# The accessible HTML page (templates/sessions/archive/act.html).


def html_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks as the page shows them: headings numbered without a skipped level (the
    PDF goes from Heading1 to Heading3), the Title style as the assembly's line above the
    page's h1, no empty paragraph, no space."""
    shown: list[Block] = []
    level = 0
    for block in blocks:
        if block["kind"] == "space" or (block["kind"] == "p" and not block["text"].strip()):
            continue
        style = block.get("style")
        if style in HEADINGS:
            level = min(HEADINGS[style], level + 1)
            shown.append({**block, "kind": "heading", "level": level})
        elif style == "Title":
            shown.append({**block, "kind": "assembly"})
        elif style == "Code":
            shown.append({**block, "kind": "hash"})
        else:
            shown.append(block)
    return shown


def act_page(content: dict[str, Any]) -> dict[str, Any]:
    """The template's context for a stored act (`Act.stored()`)."""
    return {
        "title": content["title"],
        "lang": content["lang"],
        "blocks": html_blocks(content["blocks"]),
    }
