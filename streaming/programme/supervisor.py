"""The owner of a sitting's programme: the ingests and the mixer. It starts them, watches
them, starts again whatever ends (the mixer within a fraction of a second, appending to
its playlists after a discontinuity), and reports their health. Nobody else starts or
kills these processes."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, replace

from streaming.programme.control import ProgrammeControl
from streaming.programme.graph import ProgrammeConfig, RtpOut, mixer_command
from streaming.programme.ingest import Ingest, slate_command
from streaming.programme.outputs import bandwidths
from streaming.programme.playlists import PlaylistPublisher
from streaming.programme.process import ManagedProcess
from streaming.programme.state import FeedState, ProgrammeState, cut_on_air

WATCH_PERIOD = 0.1
# A mixer that dies this soon after starting is failing: wait longer before the next try.
QUICK_DEATH = 5.0
MAX_DELAY = 10.0
# ffmpeg reports its progress every second: silence this long means it is stuck.
STALL_AFTER = 8.0
# A camera whose feed came back is cut back to once it has been live this long.
RETURN_AFTER = 2.0
PROGRESS_KEYS = ("frame", "fps", "out_time", "speed", "drop_frames", "dup_frames", "bitrate")


class Supervisor:
    def __init__(
        self,
        config: ProgrammeConfig,
        state: ProgrammeState | None = None,
        restart_delay: float = 0.2,
    ) -> None:
        self.config = config
        previews = config.preview_dir
        self.ingests = [
            Ingest(source, config.ffmpeg, preview=previews / f"{i}.jpg" if previews else None)
            for i, source in enumerate(config.inputs)
        ]
        slate_ports = [ingest.slate_port for ingest in self.ingests]
        self.slate = ManagedProcess("slate", lambda: slate_command(config.ffmpeg, slate_ports))
        self.control = ProgrammeControl(config.control_address, len(config.inputs), state)
        self.mixer = ManagedProcess("mixer", self._mixer_command, progress=True)
        self.playlists = PlaylistPublisher(
            config.output_dir, bandwidths(config), subtitles=config.subtitles
        )
        self.restart_delay = restart_delay
        self.restarts = 0
        self.run = self._last_run()
        self.started_at: float | None = None
        self._delay = restart_delay
        self._down_since: float | None = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="programme-watch", daemon=True)

    def start(self) -> None:
        self.config.recording_folder.mkdir(parents=True, exist_ok=True)
        if self.config.preview_dir:
            self.config.preview_dir.mkdir(parents=True, exist_ok=True)
        self.slate.start()
        for ingest in self.ingests:
            ingest.start()
        self.playlists.start()
        self._start_mixer()
        self.started_at = time.monotonic()
        self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join(timeout=2)
        self.mixer.stop()
        self.playlists.stop()
        for ingest in self.ingests:
            ingest.stop()
        self.slate.stop(grace=1)
        self.control.close()

    def health(self) -> dict[str, object]:
        progress = self.mixer.progress
        return {
            **self.mixer.health(),
            "restarts": self.restarts,
            "run": self.run,
            "supervised_for": time.monotonic() - self.started_at if self.started_at else None,
            "progress": {
                **{key: progress.get(key) for key in PROGRESS_KEYS},
                "reported_at": self.mixer.progress_wall,  # when ffmpeg wrote it (epoch s)
            },
            "stderr_tail": list(self.mixer.tail)[-5:],
            "inputs": [ingest.health() for ingest in self.ingests],
            "slate": self.slate.health(),
            "state": asdict(self.control.state),
            # Each rendition's segments as published: bytes and seconds (sobriety).
            "segments": self.playlists.tally.as_dict(),
        }

    def on_air(self, wanted: int) -> int:
        """The input to show for the cut `wanted`, given the feeds (state.cut_on_air)."""
        now = time.monotonic()
        feeds = [
            FeedState(
                live=ingest.relay.live,
                steady=ingest.relay.live and now - ingest.relay.switched_at >= RETURN_AFTER,
                remote=ingest.source.remote,
            )
            for ingest in self.ingests
        ]
        return cut_on_air(wanted, self.control.state.cut, feeds)

    def send_rtp_to(self, rtp_out: RtpOut) -> None:
        """The participants' programme sent to another Janus mountpoint: the mixer starts
        again with it, as after a failure (a discontinuity in the public programme)."""
        self.config = replace(self.config, rtp_out=rtp_out)
        self.mixer.kill()

    def pids(self) -> list[int]:
        """Every process this supervisor owns and is running now."""
        processes = [self.mixer, self.slate, *(ingest.camera for ingest in self.ingests)]
        return [p.pid for p in processes if p.running and p.pid is not None]

    def _mixer_command(self) -> list[str]:
        """Built at each start, from the state of the moment."""
        sources = [ingest.mixer_url for ingest in self.ingests]
        return mixer_command(self.config, self.control.state, sources, self.run)

    def _last_run(self) -> int:
        """The number of the last recording part already on disk (0 if none): the next run
        writes a new part, never over one (the mixer overwrites its outputs, `-y`)."""
        numbers = [
            int(part.stem.split("-")[1])
            for part in self.config.recording_folder.glob("part-*.ts")
            if part.stem.split("-")[1].isdigit()
        ]
        return max(numbers, default=0)

    def _start_mixer(self) -> None:
        self.run += 1
        self._remove_partial_segments()
        self.mixer.start()
        # When this part began, for placing the sitting's events on the recording.
        sidecar = self.config.recording_part(self.run).with_suffix(".json")
        sidecar.write_text(json.dumps({"run": self.run, "started": time.time()}))
        # The state is in the new mixer's graph; a command sent while it was being built
        # is applied again as soon as its control socket answers.
        threading.Thread(target=self._apply_state, daemon=True).start()

    def _remove_partial_segments(self) -> None:
        """A killed mixer leaves the segments it was writing under a temporary name."""
        for partial in self.config.output_dir.glob("*/*.tmp"):
            partial.unlink(missing_ok=True)

    def _apply_state(self) -> None:
        for _ in range(20):
            if self._stopping.is_set() or self.control.apply():
                return
            time.sleep(0.25)

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_PERIOD):
            if self.slate.exited:
                self.slate.start()
            for ingest in self.ingests:
                ingest.poll()
            if self.mixer.stalled(STALL_AFTER):
                self.mixer.last_error = "stalled: no progress report, killed"
                self.mixer.kill()
            if self.mixer.exited:
                self._restart_mixer()

    def _restart_mixer(self) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            uptime = now - (self.mixer.started_at or now)
            quick = uptime < QUICK_DEATH
            self._delay = min(self._delay * 2, MAX_DELAY) if quick else self.restart_delay
        if now - self._down_since >= self._delay:
            self._down_since = None
            self.restarts += 1
            self._start_mixer()
