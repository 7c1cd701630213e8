"""The accessibility survey of a list of pages, each visited as its person: axe-core,
width, the catalogue's English, French typography."""

from __future__ import annotations

from dataclasses import dataclass

from .a11y import (
    axe_violations,
    english_left,
    english_phrases,
    overflow,
    report,
    typography_slips,
)
from .conftest import shoot

PASSWORD = "seance-demo"


@dataclass(frozen=True)
class Visit:
    name: str
    user: str | None  # the demo's login, None: a citizen
    url: str


def survey(
    browser,
    base: str,
    visits: list[Visit],
    size: dict[str, int],
    waived: dict[str, set[str]] | None = None,
) -> list[str]:
    """Visit each page as its person, at `size`; what fails, page by page: axe-core's
    violations, a page wider than the window, the catalogue's English in a French page,
    a breaking space before a colon. `waived`: page name -> the axe-core rules (or
    "typography") left out of its checks."""
    contexts: dict[str | None, object] = {}
    phrases = english_phrases()
    failures = []
    try:
        for visit in visits:
            if visit.user not in contexts:
                context = browser.new_context(locale="fr-FR", viewport=size)
                context.set_default_timeout(15_000)
                if visit.user:
                    login = context.new_page()
                    login.goto(f"{base}/login/")
                    login.fill("#id_username", visit.user)
                    login.fill("#id_password", PASSWORD)
                    login.click("button[type=submit]")
                    login.wait_for_url(f"{base}/")
                    login.close()
                contexts[visit.user] = context
            page = contexts[visit.user].new_page()  # type: ignore[attr-defined]
            page.goto(f"{base}{visit.url}", wait_until="load")
            page.wait_for_timeout(300)  # the live pages' first events
            shoot(page, f"a11y-{visit.name}-{size['width']}")
            left_out = (waived or {}).get(visit.name, set())
            violations = [v for v in axe_violations(page) if v["id"] not in left_out]
            if violations:
                failures.append(f"{visit.name} at {size['width']} px:\n{report(violations)}")
            english = english_left(page, phrases)
            if english:
                failures.append(f"{visit.name}: English left in French: {english}")
            slips = typography_slips(page)
            if slips and "typography" not in left_out:
                failures.append(f"{visit.name}: French typography: {slips}")
            seen = overflow(page)
            if seen["scroll"] > seen["inner"]:
                failures.append(
                    f"{visit.name} at {size['width']} px is {seen['scroll']} px wide:"
                    f" {', '.join(seen['wide'])}"
                )
            page.close()
    finally:
        for context in contexts.values():
            context.close()  # type: ignore[attr-defined]
    return failures
