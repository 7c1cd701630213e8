from django.urls import path

from . import views

urlpatterns = [
    path("hls/<int:sitting_id>/<path:name>", views.hls_file, name="hls-file"),
    path("embed/sittings/<int:sitting_id>/", views.embed, name="embed"),
]
