"""The broadcast runner: the long-running owner of one sitting's programme, in a Celery
worker of the broadcast queue (streaming.tasks).

It claims the Broadcast row (its `worker` field, the lease of streaming.lease), kills
whatever a dead predecessor left running, starts the supervisor from the programme stored
in the database, and then, four times a second: applies to the mixer what the web side
changed in `programme` (and what the feeds call for: a lost camera on air gives way to a
live one), carries out the direction's camera moves, and once a second records the
health; every few seconds it checks that Janus still has the participants' programme
mountpoint. A thread of its own renews the lease every second, whatever the loop is
doing, and a sentinel process ends the public playlists if the worker dies. It stops when
the row asks it to (STOPPING), when the closed sitting's slate has been on air for its
seconds (services.closing_programme), or when another worker has taken the broadcast
over; the watchdog (streaming.tasks) hands a broadcast whose runner is really gone to a
live worker. A change of the programme applied is reported at once, not at the next
beat: the régie confirms a cut within a tick."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db import close_old_connections, connection

from . import broadcast as transitions
from .broadcast import RunnerReport
from .errors import BroadcastRefused, Code
from .hls import end_playlists, hls_dir
from .lease import LEASE_RENEW, LOCAL_RUNNERS, Owner
from .models import Broadcast, Camera
from .programme.sentinel import Sentinel
from .programme.state import ProgrammeState, state_from_dict
from .programme.supervisor import Supervisor
from .ptz import PtzDriver, PtzError, camera_driver, wait_settled
from .runner_config import programme_config
from .selectors import cameras_of
from .services import shot_done, shot_moving
from .transcript.live import LiveCaptions, floor_holder
from .visio.programme_feed import drop_programme_mountpoint, programme_rtp_out

logger = logging.getLogger(__name__)

TICK = 0.25
HEARTBEAT = 1.0
# How often the participants' programme mountpoint is checked (and made again if Janus,
# restarted, has lost it): a few requests to Janus each time.
PROGRAMME_FEED_CHECK = 5.0
# Set when the worker shuts down (a restart, a deployment): the runners stop their
# processes and leave their broadcasts to be taken over by the next worker's watchdog.
WORKER_STOPPING = threading.Event()


def worker_name() -> str:
    return str(Owner.here())


class Lease(threading.Thread):
    """Renews the runner's lease every LEASE_RENEW s from its own thread: a loop held up
    (a slow database write, a loaded machine) does not make the runner look dead. A write
    that fails is tried again at the next beat; one that finds the row held by another
    worker ends the lease (`lost`)."""

    def __init__(self, broadcast_id: int, worker: str) -> None:
        super().__init__(name=f"lease-{broadcast_id}", daemon=True)
        self.broadcast_id, self.worker = broadcast_id, worker
        self.lost = threading.Event()
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.wait(LEASE_RENEW):
                if not self.renew():
                    self.lost.set()
                    return
        finally:
            connection.close()  # this thread's own

    def renew(self) -> bool:
        try:
            return transitions.broadcast_lease_renew(
                broadcast_id=self.broadcast_id, worker=self.worker
            )
        except Exception:
            logger.warning("broadcast %s: lease not renewed", self.broadcast_id, exc_info=True)
            close_old_connections()
            return True

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=5)


class BroadcastRunner:
    def __init__(self, broadcast_id: int, worker: str | None = None) -> None:
        self.broadcast_id = broadcast_id
        self.worker = worker or worker_name()
        self.sitting_id: int | None = None
        self.supervisor: Supervisor | None = None
        self.cameras: list[Camera] = []
        self.drivers: dict[int, PtzDriver] = {}
        self.shot_in_hand: int | None = None
        self.direction_error = ""
        self.wanted_cut = 0
        self.applied_rev = 0  # the programme's number last applied (services.next_rev)
        self.reported_rev = 0  # ...and last reported in the health
        self.closing_since: float | None = None
        self.handing_over = False
        self._last_bytes: dict[int, tuple[float, int]] = {}
        self._feed_checked_at = time.monotonic()  # the mountpoint was just made at start
        self._feed_check: threading.Thread | None = None
        self.lease = Lease(broadcast_id, self.worker)
        self.sentinel: Sentinel | None = None
        self.captions: LiveCaptions | None = None

    def run(self) -> None:
        try:
            broadcast = self.claim()
            if broadcast is not None:
                self.run_claimed(broadcast)
        finally:
            if LOCAL_RUNNERS.get(self.broadcast_id) is threading.current_thread():
                del LOCAL_RUNNERS[self.broadcast_id]

    def run_claimed(self, broadcast: Broadcast) -> None:
        self.sitting_id = broadcast.sitting_id
        self.lease.start()
        try:
            self.sentinel = Sentinel(hls_dir(broadcast.sitting_id))
            self.cameras = cameras_of(broadcast.sitting)
            config = programme_config(broadcast, self.cameras)
            self.supervisor = Supervisor(config, state_from_dict(broadcast.programme))
            self.supervisor.start()
            if config.subtitles:  # beside the mixer, a few seconds behind it
                sitting_id = broadcast.sitting_id
                self.captions = LiveCaptions(config.output_dir, lambda: floor_holder(sitting_id))
                self.captions.start()
            self._wired(control_address=config.control_address)
            self.loop()
        except Exception as error:
            logger.exception("broadcast %s failed", self.broadcast_id)
            self._failed(str(error))
            raise
        finally:
            self.shutdown()
            connection.close()  # this thread's own: a worker thread serves other tasks later

    def claim(self) -> Broadcast | None:
        """The broadcast, if it should run and nobody alive runs it (streaming.broadcast)."""
        try:
            return transitions.broadcast_claim(broadcast_id=self.broadcast_id, worker=self.worker)
        except BroadcastRefused as refused:
            if refused.code == Code.HELD_ELSEWHERE:
                logger.warning("broadcast %s: still run by another worker", self.broadcast_id)
            return None

    def _wired(self, **wiring: Any) -> None:
        with contextlib.suppress(BroadcastRefused):  # taken over: the loop sees it next tick
            transitions.broadcast_wired(
                broadcast_id=self.broadcast_id, worker=self.worker, **wiring
            )

    def _failed(self, error: str) -> None:
        try:
            transitions.broadcast_failed(
                broadcast_id=self.broadcast_id, worker=self.worker, error=error
            )
        except BroadcastRefused:
            logger.warning("broadcast %s failed after it was taken over", self.broadcast_id)

    def loop(self) -> None:
        beat = 0.0
        while True:
            time.sleep(TICK)
            close_old_connections()
            row = Broadcast.objects.filter(pk=self.broadcast_id).values(
                "state", "worker", "programme"
            )[0]
            if row["worker"] != self.worker or row["state"] == Broadcast.State.STOPPING:
                return
            if self.lease.lost.is_set():
                return
            if WORKER_STOPPING.is_set():
                self.handing_over = True
                return
            self.apply(row["programme"])
            if self.closed(row["programme"]):
                return
            # A change applied is reported at once: the régie confirms a cut within a tick.
            if self.applied_rev != self.reported_rev or time.monotonic() - beat >= HEARTBEAT:
                beat = time.monotonic()
                self.heartbeat()
                self.check_programme_feed()

    def apply(self, programme: dict[str, Any]) -> None:
        """Send the mixer what changed; commands to a restarting mixer wait in its state.
        The cut is the one asked for, unless its camera has lost its feed: then a live
        camera stands in until the feed is back (Supervisor.on_air)."""
        assert self.supervisor is not None
        control, wanted = self.supervisor.control, state_from_dict(programme)
        self.wanted_cut = wanted.cut
        self.applied_rev = int(programme.get("rev") or 0)
        wanted = replace(wanted, cut=self.supervisor.on_air(wanted.cut))
        current: ProgrammeState = control.state
        if wanted.slate != current.slate:
            control.slate(wanted.slate)
        if wanted.muted != current.muted:
            control.mute(wanted.muted)
        if wanted.cut != current.cut:
            control.cut(wanted.cut)
        if wanted.pip != current.pip:
            control.pip(wanted.pip)
        if wanted.lower_third != current.lower_third:
            if wanted.lower_third is None:
                control.hide_lower_third()
            else:
                lt = wanted.lower_third
                control.lower_third(lt.name, lt.role, lt.item)
        shot = programme.get("shot")
        if shot and shot.get("id") != self.shot_in_hand:
            self.shot_in_hand = shot["id"]
            threading.Thread(target=self.take_shot, args=(shot,), daemon=True).start()

    def closed(self, programme: dict[str, Any]) -> bool:
        """The sitting is closed (services.closing_programme): once its slate has been
        sent to the mixer (by `apply`, just before) for its seconds, the broadcast ends:
        the loop returns, `shutdown` ends the playlists and has the replay built."""
        closing = programme.get("closing")
        if not closing:
            self.closing_since = None
            return False
        if self.closing_since is None:
            self.closing_since = time.monotonic()
        return time.monotonic() - self.closing_since >= float(closing.get("seconds") or 0)

    def take_shot(self, shot: dict[str, Any]) -> None:
        """Recall the speaker's preset; cut to that camera once it has settled. While it
        moves, the programme shows another camera if it was on the moving one."""
        index = shot["camera"]
        try:
            if self._programme()["cut"] == index and len(self.cameras) > 1:
                self._shot(shot_moving, shot["id"], cut=0 if index else 1)
            driver = self._driver(index)
            driver.recall(shot["slot"])
            wait_settled(driver)
        except PtzError as error:
            self.direction_error = f"{self.cameras[index].name}: {error}"
            logger.warning("direction: %s", self.direction_error)
        self._shot(shot_done, shot["id"], cut=index, lower_third=shot["lower_third"])
        connection.close()  # this thread's own

    def _driver(self, index: int) -> PtzDriver:
        if index not in self.drivers:
            camera = self.cameras[index]
            self.drivers[index] = camera_driver(camera)
        return self.drivers[index]

    def _programme(self) -> dict[str, Any]:
        programme: dict[str, Any] = Broadcast.objects.values_list("programme", flat=True).get(
            pk=self.broadcast_id
        )
        return programme

    def _shot(self, step: Callable[..., Broadcast], shot_id: int, **changes: Any) -> None:
        """A step of the move, only if the shot is still wanted (services.shot_done)."""
        with contextlib.suppress(BroadcastRefused):  # a cut by hand, the floor ended
            step(broadcast_id=self.broadcast_id, shot_id=shot_id, **changes)

    def heartbeat(self) -> None:
        assert self.supervisor is not None
        health = self.supervisor.health()
        now = time.monotonic()
        inputs: list[dict[str, Any]] = health["inputs"]  # type: ignore[assignment]
        for i, source in enumerate(inputs):
            then, before = self._last_bytes.get(i, (now, source["bytes"]))
            source["kbps"] = (
                round((source["bytes"] - before) * 8 / 1000 / (now - then), 1) if now > then else 0
            )
            self._last_bytes[i] = (now, source["bytes"])
        health["direction_error"] = self.direction_error
        health["captions"] = self.captions.health() if self.captions else None
        # The programme's number this report shows applied (the régie's confirmation).
        health["rev"] = self.reported_rev = self.applied_rev
        on_air = self.supervisor.control.state.cut
        # The camera asked for lost its feed: which one stands in for it.
        health["stand_in"] = (
            {"for": self.wanted_cut, "camera": on_air} if on_air != self.wanted_cut else None
        )
        running = self.supervisor.mixer.running
        report = RunnerReport(
            running=running,
            health=health,
            pid=self.supervisor.mixer.pid if running else None,
            pids=self.supervisor.pids(),
            restarts=self.supervisor.restarts,
            last_error=self.supervisor.mixer.last_error or "",
        )
        # Refused after a stop asked for since the loop read the row: seen at the next tick.
        with contextlib.suppress(BroadcastRefused):
            transitions.broadcast_heartbeat(
                broadcast_id=self.broadcast_id, worker=self.worker, report=report
            )

    def check_programme_feed(self) -> None:
        """`heal_programme_feed` every PROGRAMME_FEED_CHECK s at most, in a thread of its
        own: a Janus that does not answer holds it up to its timeouts (10 s), longer than
        the watchdog waits for a heartbeat."""
        if time.monotonic() - self._feed_checked_at < PROGRAMME_FEED_CHECK:
            return
        if self._feed_check is not None and self._feed_check.is_alive():
            return
        self._feed_checked_at = time.monotonic()
        self._feed_check = threading.Thread(
            target=self.heal_programme_feed, name="programme-feed-check", daemon=True
        )
        self._feed_check.start()

    def heal_programme_feed(self) -> None:
        """The participants' programme mountpoint, made again on the ports the mixer sends
        to if Janus has lost it (Janus restarted): the mixer goes on as it was. If it had to
        be made elsewhere, or was made at last (Janus did not answer when the broadcast
        started), the mixer starts again to send there. Errors are logged, never raised."""
        supervisor, sitting_id = self.supervisor, self.sitting_id
        if supervisor is None or sitting_id is None:
            return
        sending_to = supervisor.config.rtp_out
        try:
            rtp_out = programme_rtp_out(sitting_id, keep=sending_to)
        except Exception:
            logger.exception("sitting %s: programme mountpoint not checked", sitting_id)
            return
        if rtp_out is not None and rtp_out != sending_to:
            logger.warning("sitting %s: the programme for Janus goes to %s", sitting_id, rtp_out)
            supervisor.send_rtp_to(rtp_out)

    def shutdown(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        if self.captions is not None:  # its last sound captioned, before the playlists end
            self.captions.stop()
        for driver in self.drivers.values():
            driver.close()
        close_old_connections()
        if not (self.handing_over and self._hand_over()):
            self._end()
        self.lease.stop()
        if self.sentinel is not None:
            self.sentinel.release()

    def _hand_over(self) -> bool:
        """Silent from now on: the next worker's watchdog restarts it once this process has
        ended; meanwhile the playlists say that nothing more is coming. False if it is not
        this runner's to hand over (a stop was asked for: it ends)."""
        try:
            broadcast = transitions.broadcast_handed_over(
                broadcast_id=self.broadcast_id, worker=self.worker
            )
        except BroadcastRefused:
            return False
        end_playlists(hls_dir(broadcast.sitting_id))
        return True

    def _end(self) -> None:
        """Stopped; the participants' programme goes; a closed sitting's recording becomes
        its replay (R34), built by a worker of the default queue (streaming.tasks)."""
        try:
            broadcast = transitions.broadcast_ended(
                broadcast_id=self.broadcast_id, worker=self.worker
            )
        except BroadcastRefused:
            return  # taken over by another worker: it is that one's to end
        drop_programme_mountpoint(broadcast.sitting_id)
        end_playlists(hls_dir(broadcast.sitting_id))  # the mixer has stopped
        transitions.replay_after_broadcast(broadcast)
