"""The API's documentation page, /api/docs/: Swagger UI served from the server itself
(drf-spectacular-sidecar ships its files; no CDN) under the site's strict policy
(council/csp.py): the page is HTML with no inline script or style, its start-up script
a second answer of the same view (`?script`, drf-spectacular's split view), its few
rules of its own in static/css/api-docs.css."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI over /api/schema/; "Authorize" takes "Token <key>" (the tokenAuth
    scheme of the schema), then "Try it out" calls the API as that user."""

    url_name = "api-schema"
    template_name = "api/docs.html"
    title = "Séance API"
    permission_classes = [AllowAny]
