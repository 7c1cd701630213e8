from django.urls import path

from . import control_views, device_views, replay_views, views
from .transcript.urls import urlpatterns as transcript_urls

urlpatterns = [
    path("hls/<int:sitting_id>/<path:name>", views.hls_file, name="hls-file"),
    path("embed/sittings/<int:sitting_id>/", views.embed, name="embed"),
    path("visio/test/", device_views.device_test, name="device-test"),
    path("visio/probe/", device_views.probe, name="device-probe"),
    path("visio/sittings/<int:sitting_id>/", device_views.visio, name="visio"),
    path("broadcast/sittings/<int:sitting_id>/", control_views.regie, name="broadcast-regie"),
    path(
        "broadcast/sittings/<int:sitting_id>/command/",
        control_views.command,
        name="broadcast-command",
    ),
    path(
        "broadcast/sittings/<int:sitting_id>/health/",
        control_views.health_page,
        name="broadcast-health",
    ),
    path(
        "broadcast/sittings/<int:sitting_id>/health.json",
        control_views.health_json,
        name="broadcast-health-json",
    ),
    path(
        "broadcast/sittings/<int:sitting_id>/preview/<int:index>.jpg",
        control_views.preview,
        name="broadcast-preview",
    ),
    path("archive/sittings/<int:sitting_id>/replay/", replay_views.replay_page, name="replay"),
    path(
        "archive/sittings/<int:sitting_id>/replay/replay.mp4",
        replay_views.replay_video,
        name="replay-video",
    ),
    path(
        "archive/sittings/<int:sitting_id>/replay/chapters.vtt",
        replay_views.replay_chapters,
        name="replay-chapters",
    ),
    *transcript_urls,
]
