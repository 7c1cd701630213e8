from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from council.accounts import obtain_token
from sessions import api_views as v

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("token/", obtain_token, name="api-token"),
    path("sittings/", v.SittingList.as_view()),
    path("sittings/<int:sitting_id>/", v.SittingDetail.as_view()),
    path("sittings/<int:sitting_id>/items/", v.ItemList.as_view()),
    path("sittings/<int:sitting_id>/convocation/", v.Convocation.as_view()),
    path("sittings/<int:sitting_id>/transitions/", v.Transition.as_view()),
    path("sittings/<int:sitting_id>/current-item/", v.CurrentItem.as_view()),
    path("sittings/<int:sitting_id>/attendance/", v.Attendance.as_view()),
    path("sittings/<int:sitting_id>/quorum/", v.Quorum.as_view()),
    path("sittings/<int:sitting_id>/proxies/", v.Proxies.as_view()),
    path("sittings/<int:sitting_id>/votes/", v.Votes.as_view()),
    path("votes/<int:vote_id>/ballots/", v.Ballots.as_view()),
    path("votes/<int:vote_id>/close/", v.VoteClose.as_view()),
    path("assemblies/<slug:slug>/deliberations/", v.Deliberations.as_view()),
]
