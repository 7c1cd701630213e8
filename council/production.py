"""Production mode refuses to start without its secrets.

Production is ``SEANCE_ENV=production`` (deploy/production.env.example sets it); anything
else but ``demo`` (the default: bin/demo, the tests) is refused, so that a typo never
starts a server in demo mode. In production every secret must be set, and not to a
placeholder shipped with the code (``change-me``, the shipped Janus and coturn configs'
``CHANGE-ME-...``, the demo's Django key): otherwise anyone who has read the code could
forge sessions, drive Janus or mint TURN credentials. Read by council/settings.py before
Django starts, so ``daphne``, ``celery`` and every ``manage.py`` command stop with the
list of what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("demo", "production")
DEMO_SECRET_KEY = "insecure-demo-key-change-me-in-production"


def is_placeholder(value: str) -> bool:
    folded = value.strip().lower().replace("_", "-")
    return not folded or "change-me" in folded or "changeme" in folded


def environment(value: str) -> str:
    if value not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"SEANCE_ENV={value!r}: it must be one of {', '.join(ENVIRONMENTS)} "
            "(production refuses to start without its secrets)."
        )
    return value


def required_secrets(conf: Mapping[str, Any]) -> list[str]:
    """The settings production needs: always Django's key and the vote log's key; Janus's
    API secret and admin key when the video goes through Janus (SEANCE_JANUS_URL); the TURN
    secret when TURN servers are given (SEANCE_TURN_URLS)."""
    names = ["SECRET_KEY", "SEANCE_VOTE_LOG_KEY"]  # the latter, or SEANCE_VOTE_LOG_KEY_FILE
    if conf.get("SEANCE_JANUS_URL"):
        names += ["SEANCE_JANUS_API_SECRET", "SEANCE_JANUS_ADMIN_KEY"]
    if conf.get("SEANCE_TURN_URLS"):
        names.append("SEANCE_TURN_SECRET")
    return names


def _secret(conf: Mapping[str, Any], name: str) -> str:
    value = str(conf.get(name) or "")
    key_file = str(conf.get(f"{name}_FILE") or "")
    if not value and key_file:  # SEANCE_VOTE_LOG_KEY_FILE: the key kept in a file
        try:
            return Path(key_file).read_text().strip()
        except OSError:
            return ""
    return value


def check_production(conf: Mapping[str, Any]) -> None:
    """Raises ImproperlyConfigured naming every missing or placeholder secret."""
    problems = [
        f"{name} is not set, or is still a placeholder"
        for name in required_secrets(conf)
        if is_placeholder(_secret(conf, name))
    ]
    if conf.get("DEBUG"):
        problems.append("DEBUG=1 shows tracebacks to visitors")
    if problems:
        raise ImproperlyConfigured(
            "Séance refuses to start in production (SEANCE_ENV=production): "
            + "; ".join(problems)
            + ". Set them in /etc/seance/seance.env (deploy/production.env.example)."
        )
