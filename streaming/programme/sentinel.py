"""The playlists' sentinel: a small process beside a broadcast's runner that ends the
public playlists (`EXT-X-ENDLIST`, streaming.hls.end_playlists) if the runner's process
dies without doing it, a worker killed outright for instance. Its ffmpegs die with it
(process.die_with_parent); the sentinel does not, and is the one left to tell the players
that nothing more is coming, within a second, instead of a playlist that stops moving.

It waits on its standard input, a pipe whose other end only the runner's process holds:
"release" then the end of the pipe means the runner ended its broadcast itself; the end of
the pipe alone means the runner's process is gone.

    python -m streaming.programme.sentinel <hls folder>
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from streaming.hls import end_playlists

RELEASE = b"release\n"
# A killed mixer may have been renaming a playlist into place as it died.
SETTLE = 0.3


class Sentinel:
    """The runner's side: start it, then `release` it when the broadcast ends cleanly."""

    def __init__(self, hls_folder: Path) -> None:
        self._popen = subprocess.Popen(
            [sys.executable, "-m", __name__, str(hls_folder)],
            cwd=Path(__file__).resolve().parents[2],  # where `streaming` is found
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )

    @property
    def pid(self) -> int:
        return self._popen.pid

    def release(self) -> None:
        stdin = self._popen.stdin
        assert stdin is not None
        try:
            stdin.write(RELEASE)
            stdin.close()
        except OSError:
            pass  # it died already: nothing left to release
        try:
            self._popen.wait(5)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()


def watch(hls_folder: Path) -> bool:
    """Wait for the runner; True if it died without releasing (the playlists are ended)."""
    said = sys.stdin.buffer.read()
    if said.endswith(RELEASE):
        return False
    time.sleep(SETTLE)
    end_playlists(hls_folder)
    return True


if __name__ == "__main__":
    watch(Path(sys.argv[1]))
