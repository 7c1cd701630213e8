"""API tokens that expire: ``Authorization: Token <key>`` is refused (401, with a message)
once the token is older than SEANCE_API_TOKEN_TTL seconds; POST /api/token/ then gives a
new one (council/accounts.py). Apart from council/accounts.py because DRF's settings import
this class while its views are being defined."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expiry(token: Token) -> datetime.datetime:
    created: datetime.datetime = token.created
    return created + datetime.timedelta(seconds=settings.SEANCE_API_TOKEN_TTL)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is older than
    SEANCE_API_TOKEN_TTL seconds, and once its user is deactivated."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_expiry(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This API token has expired: ask for a new one at /api/token/.")
            )
        return user, token
