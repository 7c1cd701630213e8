from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sessions.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("council.api_urls")),
    path("clerk/", include("sessions.urls_clerk")),
    path("", include("streaming.urls")),
    path("", include("sessions.urls")),
    path("", include("voting.urls")),
]

# Error pages in French by default, English available (sessions/views/errors.py).
handler400 = "sessions.views.errors.bad_request"
handler403 = "sessions.views.errors.permission_denied"
handler404 = "sessions.views.errors.page_not_found"
handler500 = "sessions.views.errors.server_error"
