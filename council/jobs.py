"""Jobs started by services, by task name: services never import a task module, and the
tasks (an interface layer) take ids, re-fetch, call a service and own their retries
(HackSoft's tasks; Zulip's `send_event_on_commit` for the after-commit part).

Two configurations (council/settings.py). With Redis, the tasks go to the workers.
Embedded (no Redis, `CELERY_TASK_ALWAYS_EAGER`), Celery would run a task, and each of its
retries, inline in the caller's request: a job that waits on a server outside (S²LOW, a
timestamping authority, a mail server) would hold the clerk's page for its timeouts. So
`enqueue` and `retry_later` always go through the broker (embedded, var/broker) to the
worker that bin/demo runs; only `run_or_enqueue` runs the first jobs of a batch in the
request, for a bounded time (the convocation e-mails).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from functools import partial
from typing import Any, TypeAlias

from celery import Task
from celery.exceptions import AlwaysEagerIgnored
from celery.utils.time import get_exponential_backoff_interval
from django.db import transaction

from .celery import app

logger = logging.getLogger(__name__)

TaskRef: TypeAlias = "str | Task"  # a task or its registered name


def task_name(task: TaskRef) -> str:
    return task if isinstance(task, str) else str(task.name)


def registered(name: str) -> Task:
    """The task of that name, its module imported as a starting worker does if the web
    process has not imported it yet (Celery's autodiscovery, council/celery.py)."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task: TaskRef, *args: Any, countdown: float | None = None, retries: int = 0) -> None:
    """One job through the broker to a worker, even when tasks are eager (on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(task_name(task), args=list(args), countdown=countdown, retries=retries)


def enqueue_on_commit(task: TaskRef, *args: Any) -> None:
    """`enqueue` once the caller's transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue, task_name(task), *args))


def run_or_enqueue(task: TaskRef, jobs: Sequence[Sequence[Any]], *, inline_seconds: float) -> None:
    """One job per argument list. With a broker, all go to the workers. Eager, they run
    here, each on its own, until `inline_seconds` have passed; the rest go through the
    broker. A job's failure is logged and stops none of the others."""
    name = task_name(task)
    deadline = time.monotonic() + inline_seconds
    for args in jobs:
        try:
            if app.conf.task_always_eager and time.monotonic() <= deadline:
                registered(name).delay(*args)
            else:
                enqueue(name, *args)
        except Exception:
            logger.exception("job %s%s", name, tuple(args))


def run_or_enqueue_on_commit(
    task: TaskRef, jobs: Sequence[Sequence[Any]], *, inline_seconds: float
) -> None:
    """`run_or_enqueue` once the caller's transaction commits; nothing without jobs."""
    if jobs:
        transaction.on_commit(
            partial(run_or_enqueue, task_name(task), list(jobs), inline_seconds=inline_seconds)
        )


def retry_in(task: Task) -> float | None:
    """Seconds before the next try if this one fails (Celery's own exponential backoff,
    without jitter, so that a board can show when it will run), None if it is the last."""
    max_retries = task.max_retries or 0
    if task.request.retries >= max_retries:
        return None
    return float(
        get_exponential_backoff_interval(
            factor=int(max(1.0, float(task.retry_backoff))),
            retries=task.request.retries,
            maximum=int(task.retry_backoff_max),
            full_jitter=False,
        )
    )


def retry_later(task: Task, exc: Exception, *args: Any, countdown: float) -> None:
    """This job again in `countdown` seconds: Celery's retry with a broker; eager, where
    `Task.retry` would run it at once, inline, through the broker to the worker."""
    if not task.app.conf.task_always_eager:
        raise task.retry(exc=exc, countdown=countdown)
    enqueue(task.name, *args, countdown=countdown, retries=task.request.retries + 1)
