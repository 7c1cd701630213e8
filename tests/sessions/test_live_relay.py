"""The live events' short way through a server process (sessions.live.relay): on the Redis
pub/sub channel layer (CI's), a socket's relay events are written by one task per event
once its first snapshot is sent; on another layer, by Channels' own. Either way every
socket gets every event, in order, after its snapshot."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from sessions import services
from sessions.live import relay
from tests import factories as f
from tests.sessions.sockets import connect, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def open_sitting():
    a = f.assembly(members=5)
    s = f.in_session(a, items=4, notes=True)
    return s, list(s.items.order_by("position")), a.members.order_by("id").first().user


@sync_to_async
def take_up(sitting, item):
    services.item_take_up(sitting=sitting, item=item, user=None)


async def test_each_socket_gets_every_event_in_order_after_its_snapshot():
    s, items, councillor = await open_sitting()
    public, first = await connect(f"/ws/sittings/{s.id}/public/")
    seat, seat_first = await connect(f"/ws/sittings/{s.id}/seat/", councillor)
    assert first["type"] == seat_first["type"] == "sittings.snapshot"
    before = relay.written["events"]
    for item in items[:3]:
        await take_up(s, item)
    for socket in (public, seat):
        for item in items[:3]:
            event = await until(socket, "sittings.item_taken_up")
            assert event["data"]["item"] == item.id
            assert event["state"]["current_item"]["id"] == item.id
    short_way = isinstance(get_channel_layer(), RedisPubSubChannelLayer)
    assert (relay.written["events"] - before >= 6) is short_way
    await public.disconnect()
    await seat.disconnect()
