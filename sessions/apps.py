from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SittingsConfig(AppConfig):
    # `sessions` is taken by django.contrib.sessions.
    name = "sessions"
    label = "sittings"
    verbose_name = _("Sittings")
