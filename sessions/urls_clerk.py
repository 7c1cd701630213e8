from django.urls import path

from .views import clerk

urlpatterns = [
    path("", clerk.sitting_list, name="clerk-sittings"),
]
