from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SittingsConfig(AppConfig):
    # `sessions` is taken by django.contrib.sessions.
    name = "sessions"
    label = "sittings"
    verbose_name = _("Sittings")

    def ready(self) -> None:
        from .live import fanout  # the app registry is ready: the live layer reads models

        fanout.connect()  # the live pages follow the domain events (council.domain_events)
