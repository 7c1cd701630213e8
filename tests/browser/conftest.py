"""Real headless Chromium (Debian's package) driven by Playwright against Daphne."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

SCREENSHOTS = Path(os.environ.get("SEANCE_SCREENSHOTS", Path(__file__).parents[2] / "screenshots"))


def chromium_path() -> str:
    """Debian's Chromium (bin/debian-packages.txt), or SEANCE_CHROMIUM: never Playwright's
    own download. Without one, the browser tests stop with what to install."""
    explicit = os.environ.get("SEANCE_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "No Chromium for the browser tests: bin/test installs Debian's chromium as root or"
        " with passwordless sudo (or: sudo apt-get install chromium), or set SEANCE_CHROMIUM"
        " to a Chromium executable.",
        pytrace=False,
    )


def use_database(name: str) -> None:
    """In the forked server process: point Django at the tests' database, and start afresh
    what the fork copied from a parent that already ran asyncio tests: asgiref's one-thread
    executor (its thread did not survive the fork, so work sent to it would never run) and
    the channel layer (bound to the parent's event loops)."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = name
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    channel_layers.backends = {}


def start_daphne(port: int | None = None) -> DaphneProcess:
    """Daphne in a child process on the tests' database; `port` to come back on the same."""
    from django.db import connection

    server = DaphneProcess(
        "127.0.0.1",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=partial(use_database, connection.settings_dict["NAME"]),
        port=port,
    )
    server.start()
    while not server.ready.wait(timeout=1):
        if not server.is_alive():
            raise RuntimeError("Daphne stopped before it was ready")
    return server


@pytest.fixture
def live_server_process(transactional_db, settings) -> Iterator[list[DaphneProcess]]:
    """The running server, in a list so that a test may kill it and start another."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    servers = [start_daphne()]
    try:
        yield servers
    finally:
        for server in servers:
            if server.is_alive():
                server.terminate()
                server.join(10)


@pytest.fixture
def live_url(live_server_process) -> str:
    return f"http://127.0.0.1:{live_server_process[0].port.value}"


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright, *extra: str):
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=[*CHROMIUM_ARGS, *extra]
    )


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module: Playwright's loop must be gone before asyncio tests run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(locale: str = "fr-FR"):
        context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def off_loop(fn, *args, **kwargs):
    """Run Django code in a worker thread: Playwright's event loop owns the test thread, and
    services send their events with async_to_sync."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


@pytest.fixture
def cameras(broadcast_settings, feeds):
    """The room's two cameras sending, the broadcast's settings set before the live server
    starts (request it before `live_url`)."""
    return feeds


@pytest.fixture(scope="module")
def media_browser():
    """Chromium with its built-in fake devices (a test pattern and a beep), no prompt."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(
            p,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
        )
        yield browser
        browser.close()
