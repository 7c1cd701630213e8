from typing import Any

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import parsers, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from council.accounts import ObtainToken
from council.api import JSONParser, StrictSerializer, errors, not_found
from council.api_docs import ApiDocs
from sessions import api_views as v
from sessions.api import agenda, minutes, running
from sessions.prefecture import api as prefecture
from voting import api as voting


class TokenOut(serializers.Serializer[Any]):
    token = serializers.CharField()
    expires = serializers.DateTimeField(required=False)


class TokenIn(StrictSerializer, AuthTokenSerializer):
    """Username and password; any other field is refused (400), before any attempt counts."""


@extend_schema(request=TokenIn, responses={200: TokenOut, **errors(400, 401, 429)})
class TokenView(ObtainToken):
    """The token view, its JSON bodies read with the API's bounds (council.api.JSONParser)."""

    parser_classes = (parsers.FormParser, parsers.MultiPartParser, JSONParser)
    serializer_class = TokenIn


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("token/", TokenView.as_view(), name="api-token"),
    path("docs/", ApiDocs.as_view(), name="api-docs"),
    path("sittings/", v.SittingList.as_view()),
    path("sittings/<int:sitting_id>/", agenda.SittingEdit.as_view()),
    path("sittings/<int:sitting_id>/items/", v.ItemList.as_view()),
    path("sittings/<int:sitting_id>/items/<int:item_id>/matter/", prefecture.ItemMatter.as_view()),
    path("sittings/<int:sitting_id>/items/<int:item_id>/documents/", agenda.Documents.as_view()),
    path("sittings/<int:sitting_id>/transmissions/", prefecture.Transmissions.as_view()),
    path("sittings/<int:sitting_id>/convocation/", agenda.Convocation.as_view()),
    path("sittings/<int:sitting_id>/transitions/", v.Transition.as_view()),
    path("sittings/<int:sitting_id>/current-item/", v.CurrentItem.as_view()),
    path("sittings/<int:sitting_id>/attendance/", v.Attendance.as_view()),
    path("sittings/<int:sitting_id>/quorum/", v.Quorum.as_view()),
    path("sittings/<int:sitting_id>/proxies/", running.Proxies.as_view()),
    path("sittings/<int:sitting_id>/secretary/", running.Secretary.as_view()),
    path("sittings/<int:sitting_id>/closed-session/", running.ClosedSession.as_view()),
    path("sittings/<int:sitting_id>/adjournment/", running.Adjournment.as_view()),
    path("sittings/<int:sitting_id>/minutes/", minutes.MinutesDetail.as_view()),
    path("sittings/<int:sitting_id>/minutes/debates/", minutes.Debates.as_view()),
    path("sittings/<int:sitting_id>/minutes/finalise/", minutes.Finalise.as_view()),
    path("sittings/<int:sitting_id>/minutes/reopen/", minutes.Reopen.as_view()),
    path("sittings/<int:sitting_id>/minutes/agenda/", minutes.OnAgenda.as_view()),
    path("sittings/<int:sitting_id>/minutes/sign/", minutes.Sign.as_view()),
    path("sittings/<int:sitting_id>/minutes/publish/", minutes.Publish.as_view()),
    path("sittings/<int:sitting_id>/deliberations/", minutes.DeliberationsPublish.as_view()),
    path("sittings/<int:sitting_id>/votes/", voting.Votes.as_view()),
    path("sittings/<int:sitting_id>/urgency/", voting.Urgency.as_view()),
    path("sittings/<int:sitting_id>/interests/", voting.Interests.as_view()),
    path("sittings/<int:sitting_id>/secret-request/", voting.SecretRequest.as_view()),
    path("sittings/<int:sitting_id>/secret-waiver/", voting.SecretWaiver.as_view()),
    path("votes/<int:vote_id>/ballots/", voting.Ballots.as_view()),
    path("votes/<int:vote_id>/close/", voting.VoteClose.as_view()),
    path("votes/<int:vote_id>/answers/", voting.Answers.as_view()),
    path("votes/<int:vote_id>/next-round/", voting.NextRound.as_view()),
    path("assemblies/<slug:slug>/deliberations/", v.Deliberations.as_view()),
    re_path(r"", not_found),  # the rest: a JSON 404, like the API's other errors
]
