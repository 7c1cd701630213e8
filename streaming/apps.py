from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"

    def ready(self) -> None:
        from . import direction  # the app registry is ready: the handlers read models
        from .transcript import search  # noqa: F401  (transcripts in the archive's search)
        from .visio import events

        direction.connect()  # the programme follows the sitting's events
        events.connect()  # the floor opens the speaker's microphone
