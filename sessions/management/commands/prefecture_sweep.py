"""Start again the jobs of the acts not yet acknowledged by the prefecture (S²LOW): after
a broker was emptied, or once S²LOW is back after the jobs' tries ran out. Safe to run at
any time (e.g. hourly from cron): an act is never posted twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sessions.prefecture.services import transmissions_resume
from sessions.prefecture.tasks import enqueue, poll_act


class Command(BaseCommand):
    help = "Resume the transmission of the acts not yet acknowledged by the prefecture."

    def handle(self, *args: Any, **options: Any) -> None:
        to_post, to_poll = transmissions_resume()
        for pk in to_post:
            enqueue(pk)
        for pk in to_poll:
            poll_act.delay(pk)
        self.stdout.write(f"{len(to_post)} act(s) to send, {len(to_poll)} to follow up.")
