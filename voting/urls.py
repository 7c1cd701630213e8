from django.urls import path

from . import views

urlpatterns = [
    path(
        "archive/<slug:slug>/councillors/<int:member_id>/",
        views.councillor_page,
        name="councillor",
    ),
]
