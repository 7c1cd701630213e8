from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = _("Assemblies")

    def ready(self) -> None:
        from council.accounts import connect_signals

        connect_signals()
