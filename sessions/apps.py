from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SittingsConfig(AppConfig):
    # `sessions` is taken by django.contrib.sessions.
    name = "sessions"
    label = "sittings"
    verbose_name = _("Sittings")

    def ready(self) -> None:
        # The app registry is ready: the live layer and the minutes read models.
        from .live import fanout
        from .minutes import services as minutes

        minutes.connect()  # the deliberations and the minutes' adoption, with the close
        fanout.connect()  # the live pages follow the domain events (council.domain_events)
