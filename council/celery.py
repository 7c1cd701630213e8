"""Celery application. Embedded default: tasks run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
app = Celery("seance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
