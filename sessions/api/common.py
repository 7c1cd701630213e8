"""Helpers of the API's views (sessions.api_views, sessions/api/, voting.api): the parsers
of an upload. The objects an input names are looked up by sessions.inputs and
council.parsing, who asks is checked by sessions.access and voting.access."""

from __future__ import annotations

from rest_framework import parsers

from council.api import JSONParser

# JSON, or a multipart form for an upload (its size bounded by SEANCE_MAX_REQUEST_BYTES).
UPLOAD_PARSERS = (parsers.MultiPartParser, JSONParser)
