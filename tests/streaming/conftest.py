"""The streaming tests' shared fixtures: the chamber's recorded speech, and a closed
sitting whose recording holds it (the transcript tests' one chamber)."""

from __future__ import annotations

import pytest

from .chamber_speech import closed_sitting, record_chamber


@pytest.fixture(scope="module")
def chamber_sound(tmp_path_factory: pytest.TempPathFactory):
    return record_chamber(tmp_path_factory.mktemp("speech"))


@pytest.fixture
def sitting(settings, tmp_path, chamber_sound):
    settings.SEANCE_RECORDING_DIR = tmp_path / "recordings"
    return closed_sitting(*chamber_sound)
