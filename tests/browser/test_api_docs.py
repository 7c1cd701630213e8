"""The API's documentation page (/api/docs/, council/api_docs.py): Swagger UI from the
server's own files, under the site's strict policy, with no policy violation; its
endpoints listed from the served schema, with their examples, and "Try it out" calling
the API with a token."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from council.csp import HEADER, PAGE_POLICY
from tests import factories as f
from tests.browser.conftest import shoot


def test_the_docs_page_renders_from_our_own_files_under_the_strict_policy(live_url, new_page):
    a = f.assembly(members=3, population=1_000)
    token = Token.objects.create(user=f.staff(a)).key
    page = new_page()
    violations: list[str] = []
    outside: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(live_url) or r.url.startswith("data:")
            else outside.append(r.url)
        ),
    )
    answer = page.goto(f"{live_url}/api/docs/")
    assert answer is not None and answer.status == 200
    assert answer.headers[HEADER.lower()] == PAGE_POLICY  # no exception for this page
    page.evaluate(
        "() => document.addEventListener('securitypolicyviolation', e => "
        "console.log('Content Security Policy: ' + e.violatedDirective))"
    )
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for path in (
        "/api/sittings/{sitting_id}/urgency/",
        "/api/sittings/{sitting_id}/interests/",
        "/api/votes/{vote_id}/answers/",
        "/api/votes/{vote_id}/next-round/",
    ):
        assert any(path in p for p in paths), paths
    # An endpoint opened shows its examples.
    page.locator("#operations-votes-votes_close_create").click()
    page.wait_for_selector("#operations-votes-votes_close_create .examples-select")
    assert "chair_choice" in page.locator("#operations-votes-votes_close_create").inner_text()
    # Authorize with a token, then "Try it out" on the sittings' list calls the API.
    page.get_by_role("button", name="Authorize").first.click()
    scheme = page.locator(".auth-container").filter(has_text="tokenAuth")
    scheme.locator("input").fill(f"Token {token}")
    scheme.locator("button.authorize").click()
    page.locator(".btn-done").first.click()
    listing = page.locator("#operations-sittings-sittings_list")
    listing.click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    page.wait_for_selector(
        "#operations-sittings-sittings_list .live-responses-table .response-col_status"
    )
    assert (
        "200"
        in listing.locator(
            ".live-responses-table tr.response .response-col_status"
        ).first.inner_text()
    )
    shoot(page, "api-docs")
    assert violations == [] and outside == []
