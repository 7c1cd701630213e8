"""The broadcast tests' set-up, as fixtures for the streaming and browser tests alike
(a plugin of tests/conftest.py): the broadcast's settings, and two simulated cameras."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streaming.ports import free_udp_port
from tests.streaming.media import Feed, sending

# The cameras' colours and tones, in order: the first red at 440 Hz, the second lime at 660.
COLOURS_AND_TONES = (("red", 440), ("lime", 660))


@pytest.fixture
def broadcast_settings(settings, tmp_path):
    """A broadcast writes into the test's own folders, on the small ladder at the quickest
    preset; its queue is one nobody consumes (the test runs the runner itself). Set before
    a live server starts (a forked process), so that it has them too."""
    settings.SEANCE_HLS_DIR = tmp_path / "hls"
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    settings.SEANCE_BROADCAST_LADDER = "small"
    settings.SEANCE_BROADCAST_PRESET = "ultrafast"
    settings.SEANCE_BROADCAST_QUEUE = f"test-unconsumed-{tmp_path.name}"
    return settings


@pytest.fixture
def feed_names() -> tuple[str, ...]:
    """The cameras' names (a module overrides this fixture to name them otherwise)."""
    return ("Plan large", "Tribune")


@pytest.fixture
def feeds(feed_names: tuple[str, ...]) -> Iterator[list[Feed]]:
    """The room's cameras, sending for the test."""
    cameras = zip(feed_names, COLOURS_AND_TONES, strict=True)
    with sending(
        [Feed(name, colour, tone, free_udp_port()) for name, (colour, tone) in cameras]
    ) as started:
        yield started
