"""Accessibility and phone-width checks shared by the browser tests.

axe-core is vendored from npm (tests/browser/vendor/axe-core, see its README): it is
injected by the tests only, never served. The pages send `script-src 'self'`, which refuses
an inline <script> (Playwright's add_script_tag writes one), so the library's text is
evaluated through the DevTools protocol (page.evaluate), which a page's CSP does not govern.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary,
                              html: n.html.slice(0, 200)})),
  }));
}"""

WIDTH = """() => {
  const inner = window.innerWidth, wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > inner + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.classList.length ? "." + [...el.classList].join(".") : "");
      wide.push(name + " (right " + Math.round(r.right) + ")");
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner, wide: wide.slice(0, 12)};
}"""


def axe_violations(page, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, every impact, every rule."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN)
    if not exclude:
        return found
    kept = []
    for violation in found:
        nodes = [n for n in violation["nodes"] if not n["target"].startswith(exclude)]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}: {node['html']}")
            summary = (node["summary"] or "").replace("\n", " / ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, *, exclude: tuple[str, ...] = ()) -> None:
    """0 axe-core violations of any impact; the failure lists each rule and element.
    `exclude`: CSS selectors whose elements are left out (none in this project's tests
    but the ones a docstring explains)."""
    violations = axe_violations(page, exclude=exclude)
    assert not violations, f"axe-core on {page.url}:\n{report(violations)}"


def overflow(page) -> dict[str, Any]:
    return page.evaluate(WIDTH)


def assert_fits(page) -> None:
    """No horizontal scroll: the document is no wider than the window (390 px on a phone);
    the failure names the elements that stick out."""
    seen = overflow(page)
    assert seen["scroll"] <= seen["inner"], (
        f"{page.url} is {seen['scroll']} px wide in a {seen['inner']} px window;"
        f" past the edge: {', '.join(seen['wide'])}"
    )


CATALOGUE = Path(__file__).parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file; plural entries give their singular."""
    pairs, msgid, msgstr, field = [], None, None, None
    for line in text.splitlines() + [""]:
        if line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")) or not line:
            if not line or line.startswith("msgid "):
                if msgid and msgstr and msgid != msgstr:
                    pairs.append((msgid, msgstr))
                msgid, msgstr = None, None
            key, _, value = line.partition(" ")
            field = key if line else None
            value = value[1:-1] if value else ""
            if field == "msgid":
                msgid = value
            elif field in ("msgstr", "msgstr[0]"):
                msgstr = value
        elif line.startswith('"') and field in ("msgid", "msgstr", "msgstr[0]"):
            if field == "msgid":
                msgid = (msgid or "") + line[1:-1]
            else:
                msgstr = (msgstr or "") + line[1:-1]
    return pairs


def english_phrases() -> set[str]:
    """The catalogue's English phrases that French pages must not show: each msgid cut at
    its placeholders, the pieces of two words or more that its French does not contain."""
    phrases = set()
    for msgid, msgstr in _entries(CATALOGUE.read_text(encoding="utf-8")):
        for piece in re.split(r"%\(\w+\)[sd]|\{\w*\}|%[sd]|\\n|\\\"", msgid):
            piece = piece.strip(" .,:;()—")
            if len(piece) >= 10 and " " in piece and piece not in msgstr:
                phrases.add(piece)
    return phrases


def english_left(page, phrases: set[str]) -> list[str]:
    """The English phrases of the catalogue that the page shows (its text, its buttons'
    and images' labels)."""
    text = page.evaluate(
        "() => document.body.innerText + '\\n' + [...document.querySelectorAll("
        "'[aria-label],[title],[alt],[placeholder]')].map(e => [e.getAttribute('aria-label'),"
        " e.title, e.alt, e.placeholder].filter(Boolean).join(' ')).join('\\n')"
    )
    return sorted(p for p in phrases if p in text)


def typography_slips(page) -> list[str]:
    """French typography the page breaks: a plain space (one that may break) before
    « : ; ! ? », inside « », or "A la" for "À la"; each slip with the words around it."""
    text = page.evaluate("() => document.body.innerText")
    slips = re.finditer(r"\S{0,20}(?: [:;!?](?=\s|$)|« | »|\bA la\b)\S{0,20}", text)
    return sorted({m.group(0) for m in slips})
