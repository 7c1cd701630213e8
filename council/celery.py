"""Celery application. Embedded default: tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
app = Celery("seance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks kept beside their services in a package that is not an app: the worker must know
# them too, or it refuses their messages ("unregistered task") and the job is lost.
app.autodiscover_tasks(["sessions.minutes", "sessions.prefecture"])
