from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = _("Assemblies")

    def ready(self) -> None:
        # Imported once the app registry is ready (council.accounts imports the models),
        # as Django wants signal receivers connected: not an import cycle dodged.
        from council.accounts import connect_signals

        connect_signals()
