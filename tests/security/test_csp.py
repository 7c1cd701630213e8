"""Issue 14: every page sends a strict Content-Security-Policy, private pages as public
ones, error pages included: scripts from our own files only, no inline script, no framing
but the embeddable player's."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from council.csp import EMBED_POLICY, PAGE_POLICY
from tests.browser.conftest import (  # noqa: F401 (the live server and browser fixtures)
    browser,
    live_server_process,
    live_url,
    new_page,
    off_loop,
)
from tests.security.hostile import hostile_council, pages, user_of


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_is_strict():
    page = directives(PAGE_POLICY)
    assert page["script-src"] == "'self'" and page["default-src"] == "'self'"
    assert page["object-src"] == "'none'" and page["base-uri"] == "'none'"
    assert page["form-action"] == "'self'" and page["frame-ancestors"] == "'none'"
    assert "unsafe" not in PAGE_POLICY and "*" not in PAGE_POLICY
    embed = directives(EMBED_POLICY)
    assert embed == {**page, "frame-ancestors": "*"}


@pytest.mark.django_db
def test_every_page_sends_the_policy_and_only_the_embed_may_be_framed(client):
    council = hostile_council()
    seen = []
    for page in pages(council):
        user = user_of(council, page.who)
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        response = client.get(page.path)
        assert response.status_code == page.status, page.name
        expected = EMBED_POLICY if page.name == "embed" else PAGE_POLICY
        assert response["Content-Security-Policy"] == expected, page.name
        seen.append(page.name)
    assert {"chair", "seat", "roll", "regie", "health", "visio", "login", "admin"} <= set(seen)


@pytest.mark.django_db
def test_refusals_and_json_answers_carry_it_too(client):
    council = hostile_council()
    client.force_login(council.members[3].user)
    refused = client.post(
        f"/broadcast/sittings/{council.live.id}/command/",
        {"action": "cut"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 403
    assert refused["Content-Security-Policy"] == PAGE_POLICY
    client.force_login(council.technician)
    health = client.get(f"/broadcast/sittings/{council.live.id}/health.json")
    assert health["Content-Security-Policy"] == PAGE_POLICY
    client.logout()
    csrf = client.__class__(enforce_csrf_checks=True).post("/login/", {"username": "x"})
    assert csrf.status_code == 403 and csrf["Content-Security-Policy"] == PAGE_POLICY


@pytest.mark.django_db
def test_a_pdf_is_left_to_the_browsers_viewer(client):
    council = hostile_council()
    pdf = client.get(f"/sittings/{council.live.id}/convocation.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Content-Security-Policy" not in pdf


@pytest.mark.browser
def test_in_chromium_another_site_frames_the_player_and_nothing_else(live_url, new_page):  # noqa: F811
    """The city's website (another origin) puts the embed and the public page in frames:
    the player shows, the public page is refused (frame-ancestors 'none')."""
    from tests.factories import assembly, convened

    s = off_loop(lambda: convened(assembly(members=3, population=1_000), notes=False))
    page = new_page()
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    html = (
        f'<iframe id="embed" src="{live_url}/embed/sittings/{s.id}/"></iframe>'
        f'<iframe id="public" src="{live_url}/sittings/{s.id}/"></iframe>'
    )
    with city_website(html) as city:
        page.goto(city)
        expect(page.frame_locator("#embed").locator("#live-state")).to_have_text("Convoquée")
        page.wait_for_timeout(1000)
    assert page.frame_locator("#public").locator("#live-state").count() == 0
    assert any("frame-ancestors 'none'" in text for text in refusals)


@contextlib.contextmanager
def city_website(html: str) -> Iterator[str]:
    """A page of another origin (localhost, another port), served from this machine: a
    public site may not frame a loopback address at all in Chromium."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
