"""The city's embed once the sitting is closed: it says the sitting is over (never that the
broadcast will resume), then links the replay once it is built."""

from __future__ import annotations

import pytest

from sessions import services
from streaming.models import Replay
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_embed_of_a_closed_sitting_says_so_then_links_the_replay(client):
    s = f.opened(f.assembly(members=5))
    live = client.get(f"/embed/sittings/{s.id}/").content.decode()
    assert 'id="programme"' in live and 'data-testid="embed-closed"' not in live

    services.sitting_close(sitting=s, user=None)
    closed = client.get(f"/embed/sittings/{s.id}/").content.decode()
    assert 'id="programme"' not in closed  # no player trying again for ever
    assert "La séance est levée\u00a0: la diffusion est terminée." in closed
    assert "Sa rediffusion sera sur la page de la séance dès qu’elle sera prête." in closed
    assert f'href="/archive/sittings/{s.id}/replay/"' not in closed

    Replay.objects.create(sitting=s, state=Replay.State.READY, duration=30.0)
    ready = client.get(f"/embed/sittings/{s.id}/").content.decode()
    assert f'href="/archive/sittings/{s.id}/replay/"' in ready
    assert "Voir la rediffusion" in ready
