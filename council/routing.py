from django.urls import path

from sessions import consumers

websocket_urlpatterns = [
    path("ws/sittings/<int:sitting_id>/public/", consumers.PublicConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/seat/", consumers.SeatConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/chair/", consumers.ChairConsumer.as_asgi()),
    path("ws/sittings/<int:sitting_id>/roll/", consumers.RollConsumer.as_asgi()),
]
