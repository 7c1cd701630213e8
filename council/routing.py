from django.urls import path

from sessions import consumers
from sessions.screen import ScreenConsumer
from streaming.visio.consumers import VisioConsumer

websocket_urlpatterns = [
    path("ws/sittings/<int:sitting_id>/public/", consumers.PublicConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/seat/", consumers.SeatConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/chair/", consumers.ChairConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/roll/", consumers.RollConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/visio/", VisioConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/screen/", ScreenConsumer.as_asgi()),
]
