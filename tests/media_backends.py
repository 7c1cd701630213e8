"""The two media backends behind the same video protocol, as a fixture: the embedded
relay, and a real Janus (Debian's package) started for the test."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["relay", "janus"])
def backend(request, settings, tmp_path):
    if request.param == "relay":
        settings.SEANCE_JANUS_URL = ""
        yield "relay"
        return
    from streaming.conference.janus_process import JanusProcess, janus_available

    assert janus_available(), "janus is not installed: apt-get install janus"
    with JanusProcess(tmp_path / "janus") as janus:
        settings.SEANCE_JANUS_URL = janus.ws_url
        settings.SEANCE_JANUS_API_SECRET = janus.api_secret or ""
        settings.SEANCE_JANUS_ADMIN_KEY = janus.admin_key
        yield "janus"
