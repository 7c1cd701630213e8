"""ASGI entry point: HTTP through Django, websockets through Channels. Request bodies
past SEANCE_MAX_REQUEST_BYTES are refused with 413 before they are read (bodylimit.py),
in Daphne's own request handling as in the application."""

import os

from django.core.asgi import get_asgi_application

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
