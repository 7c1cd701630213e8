"""Shared fixtures. Tests hit the real database (PostgreSQL in CI) and the configured
channel layer (Redis in CI)."""

from __future__ import annotations

import json
import os

import pytest

# `backend`: each video test runs on the embedded relay and on a real Janus;
# `broadcast_settings`, `feeds`: a broadcast's settings and its room's simulated cameras.
pytest_plugins = ["tests.media_backends", "tests.streaming.broadcast_fixtures"]

# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _embedded_tasks(settings, tmp_path):
    """Celery tasks run in-process in tests; uploads go to a throw-away folder."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # On by default; a broadcast test that wants them turns them on (test_live_captions).
    settings.SEANCE_LIVE_CAPTIONS = False
    settings.MEDIA_ROOT = tmp_path / "media"
    from council.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class EventTap:
    """Listens on the real channel layer to a sitting's groups, from one event loop of its
    own (the Redis layer binds a channel's receive buffer to the loop that first reads it)."""

    def __init__(self) -> None:
        import asyncio

        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()
        self.loop = asyncio.new_event_loop()
        self.channel = self.loop.run_until_complete(self.layer.new_channel())

    def listen(self, *groups: str) -> None:
        for group in groups:
            self.loop.run_until_complete(self.layer.group_add(group, self.channel))

    def drain(self, limit: int = 50) -> list[dict]:
        import asyncio

        async def read() -> list[dict]:
            out = []
            for _ in range(limit):
                try:
                    msg = await asyncio.wait_for(self.layer.receive(self.channel), 0.5)
                except TimeoutError:
                    break
                out.append(json.loads(msg["text"]))
            return out

        return self.loop.run_until_complete(read())


@pytest.fixture
def events():
    tap = EventTap()
    yield tap
    tap.loop.close()


@pytest.fixture(scope="session", autouse=True)
def _clean_redis():
    """Start from an empty Redis database: group memberships of an earlier run would
    otherwise collect messages for sittings whose ids the test database reuses."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
    yield


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and Django's SMTP backend pointed at it (set
    before a live server starts, so that Daphne's process uses it too)."""
    from tests.smtp_simulator import SMTPSimulator

    server = SMTPSimulator().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 10
    yield server
    server.stop()
