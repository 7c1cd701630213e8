"""ASGI entry point: HTTP through Django, websockets through Channels. Request bodies
past SEANCE_MAX_REQUEST_BYTES are refused with 413 before they are read (bodylimit.py),
in Daphne's own request handling as in the application."""

import gc
import os
import sys

from django.core.asgi import get_asgi_application

# The server's loop and its worker threads share one GIL: a worker coming back from each
# database query waits for the loop to hand the GIL over, up to the switch interval (5 ms
# by default). A batch of ballots makes some twenty queries while the loop reads the
# frames of 1,000 sockets; at 5 ms a hand-over, the waiting was most of a batch's time.
sys.setswitchinterval(float(os.environ.get("SEANCE_SWITCH_INTERVAL", "0.0005")))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "council.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from council.bodylimit import BodyLimit, guard_daphne  # noqa: E402
from council.routing import websocket_urlpatterns  # noqa: E402

guard_daphne()

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What the start-up made (Django, the apps, their modules: hundreds of thousands of objects
# that live as long as the server) is moved out of the collector's reach. A full collection
# then walks only what the sockets and requests made since: measured during 170 ballots
# with 1,150 sockets, 200 ms pauses of the whole server became 10 to 40 ms.
gc.freeze()
