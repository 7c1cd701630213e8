from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"

    def ready(self) -> None:
        from . import services  # noqa: F401  (connects the direction to the sitting's events)
        from .transcript import search  # noqa: F401  (transcripts in the archive's search)
        from .visio import events  # noqa: F401  (the floor opens the speaker's microphone)
