"""The Content-Security-Policy of every page (issue 14): scripts only from our own files, no
inline script or event handler, no plugin, no <base>, forms only to ourselves, and no
framing but the embeddable player's.

One policy for every page, private or public, because what the pages need is the same:
- `script-src 'self'`: our files under /static/; data reaches them through `json_script`
  blocks (`<script type="application/json">`, which the policy does not run) or data-
  attributes, never through an inline script. A name such as `</script><script>…` that
  slipped through a template would still not run.
- `style-src 'self'`: one stylesheet; no `style=` attribute (scripts may still set
  `element.style`, which the CSSOM allows).
- `connect-src 'self'`: fetch() and the websockets of the same host (CSP Level 3 counts
  ws:/wss: of the page's own host as 'self': Chromium, Firefox, Safari 15.4+).
- `media-src 'self' blob:`: hls.js feeds the <video> through Media Source Extensions (a
  blob: URL); the replay plays our own files; the video conference's streams are
  `srcObject`s, which no directive governs (getUserMedia and WebRTC are not fetches).
- `frame-ancestors 'none'`, except on a response marked `xframe_options_exempt` (the
  embeddable player, for the city's website): there `frame-ancestors *`, the CSP
  counterpart of lifting X-Frame-Options.
Django's admin (5.2) passes its data in data- attributes and JSON blocks and runs under
the same policy.

PDFs are left without a policy: Chromium shows them in a plugin that `object-src 'none'`
would refuse, and they run none of our scripts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"

DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("media-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
)


def policy(*, framable: bool = False) -> str:
    """The policy, with `frame-ancestors *` for a page meant for other sites' frames."""
    directives = [*DIRECTIVES, ("frame-ancestors", "*" if framable else "'none'")]
    return "; ".join(f"{name} {value}" for name, value in directives)


PAGE_POLICY = policy()
EMBED_POLICY = policy(framable=True)


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sets the policy on every response that has none, error pages included (sync and
    async, as Django's own middleware: no thread hop under Daphne)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if HEADER in response:
            return response
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        framable = getattr(response, "xframe_options_exempt", False)
        response[HEADER] = EMBED_POLICY if framable else PAGE_POLICY
        return response
