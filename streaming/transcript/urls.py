from django.urls import path

from . import views

REPLAY = "archive/sittings/<int:sitting_id>/replay/"

urlpatterns = [
    path(f"{REPLAY}captions.vtt", views.replay_captions, name="replay-captions"),
    path(f"{REPLAY}replay-fr.mp4", views.replay_captioned, name="replay-captioned"),
    path(
        "broadcast/sittings/<int:sitting_id>/transcript/",
        views.transcript_progress,
        name="replay-transcript-progress",
    ),
    path(
        "broadcast/sittings/<int:sitting_id>/transcript/items/<int:item_id>/",
        views.minutes_item_transcript,
        name="minutes-item-transcript",
    ),
    path(
        "broadcast/sittings/<int:sitting_id>/transcript/restart/",
        views.transcript_restart,
        name="replay-transcript-restart",
    ),
]
