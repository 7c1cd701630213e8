"""Issue 14, stored XSS: a payload that breaks out of a script block and out of an element
is put through every field that reaches a page (tests/security/hostile.py). Over HTTP it
never comes back raw, the data reaches scripts only through json_script blocks, and no
page holds an inline script, an event-handler attribute or a style attribute; in real
Chromium, no dialog ever opens, the policy reports no violation, and each payload is
shown as the text it is."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.utils.html import escape
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 (the live server and browser fixtures)
    browser,
    live_server_process,
    live_url,
    new_page,
    off_loop,
)
from tests.browser.pages import login
from tests.security.hostile import HostileCouncil, hostile_council, pages, payload, user_of

FIELDS = "assembly room sitting item1 item2 document question camera lt-name lt-role lt-item"
TAGS = [*FIELDS.split(), "error", "held", "deliberation", "minutes"]
TAGS += [f"member{i}" for i in range(6)]


class Scan(HTMLParser):
    """What a page would run: its script elements, handler and style attributes, and
    javascript: URLs; and the text of its JSON blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.inline: list[str] = []
        self.json_blocks: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.inline.append(f"<{tag} {name}={value!r}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append(found)
            self._in_json = found.get("type") == "application/json"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_blocks.append(data)


def scan(html: str) -> Scan:
    parser = Scan()
    parser.feed(html)
    return parser


def get(client, council: HostileCouncil, page) -> str:
    user = user_of(council, page.who)
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(page.path)
    assert response.status_code == page.status, page.name
    return response.content.decode()


@pytest.mark.django_db
def test_no_page_gives_a_payload_back_raw_nor_runs_inline_code(client):
    council = hostile_council()
    for page in pages(council):
        html = get(client, council, page)
        for tag in TAGS:
            assert payload(tag) not in html, f"{tag} raw on {page.name}"
        found = scan(html)
        assert found.inline == [], page.name
        for script in found.scripts:
            src = script.get("src") or ""
            assert (src.startswith("/") and not src.startswith("//")) or (
                script.get("type") == "application/json" and "src" not in script
            ), f"{script} on {page.name}"
        for tag in page.shows:
            # Each payload the page shows is in it: escaped, or as data for its script.
            shown = escape(payload(tag)) in html or _in_json(found, payload(tag))
            assert shown, f"{tag} missing on {page.name}"


def _in_json(found: Scan, text: str) -> bool:
    """Is `text` in a string somewhere in the page's JSON blocks?"""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    return any(text in s for block in found.json_blocks for s in strings(json.loads(block)))


# --- In Chromium ------------------------------------------------------------------------

# The text a person sees: the page's rendered text, or what a form field holds.
SHOWN = """(text) => document.body.innerText.includes(text)
  || [...document.querySelectorAll("input, textarea")].some((f) => f.value.includes(text))"""


@pytest.mark.browser
def test_in_chromium_no_payload_runs_and_each_reads_as_text(live_url, new_page):  # noqa: F811
    council = off_loop(hostile_council)
    dialogs: list[str] = []
    violations: list[str] = []
    browsers: dict[object, object] = {}

    def browser_of(who):
        """One browser context per person, logged in once."""
        if who not in browsers:
            page = new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: _violation(m, violations))
            user = user_of(council, who)
            if user is not None:
                login(page, live_url, user.username)
            browsers[who] = page
        return browsers[who]

    for page_spec in pages(council):
        page = browser_of(page_spec.who)
        response = page.goto(live_url + page_spec.path)
        assert response is not None and response.status == page_spec.status, page_spec.name
        live = page_spec.path.startswith(("/sittings/", "/embed/", "/chair/", "/roll/", "/seat/"))
        if live and page_spec.status == 200:  # its socket's snapshot rendered
            expect(page.locator("body")).to_have_attribute("data-last-event", re.compile("."))
        for tag in page_spec.shows:
            try:
                page.wait_for_function(SHOWN, arg=payload(tag), timeout=5_000)
            except PlaywrightTimeout:
                raise AssertionError(f"{tag} is not shown on {page_spec.name}") from None
        page.wait_for_timeout(200)  # an onerror would fire as the image fails
    assert dialogs == []
    assert violations == []


def _violation(message, violations: list[str]) -> None:
    if "Content Security Policy" in message.text:
        violations.append(message.text)
