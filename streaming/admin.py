from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Broadcast, Camera, CameraPreset
from .ptz import PtzError
from .ptz.registry import camera_feed_discover


class PresetInline(admin.TabularInline):
    model = CameraPreset
    extra = 1


class CameraForm(forms.ModelForm):
    """The camera's password is write-only: never rendered back into the page (not even
    masked), kept as it is when the field is left empty, erased on request."""

    password = forms.CharField(
        label=_("camera password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )
    clear_password = forms.BooleanField(label=_("Erase the password"), required=False)

    class Meta:
        model = Camera
        fields = [
            "room",
            "name",
            "protocol",
            "control_address",
            "feed_url",
            "position",
            "username",
            "password",
        ]

    def clean_password(self) -> str:
        typed: str = self.cleaned_data.get("password") or ""
        if not typed and self.instance.pk:
            return str(self.instance.password)
        return typed

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("clear_password"):
            cleaned["password"] = ""
        return cleaned


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraForm
    list_display = ["name", "room", "protocol", "control_address", "feed_url", "username"]
    list_filter = ["room__assembly", "protocol"]
    inlines = [PresetInline]
    actions = ["read_feed_from_camera"]
    fieldsets = [
        (None, {"fields": ["room", "name", "position", "feed_url"]}),
        (
            _("Control"),
            {"fields": ["protocol", "control_address", "username", "password", "clear_password"]},
        ),
    ]

    @admin.action(description=_("Read the feed URL from the camera (ONVIF)"))
    def read_feed_from_camera(self, request: HttpRequest, queryset: QuerySet[Camera]) -> None:
        for camera in queryset:
            try:
                uri = camera_feed_discover(camera=camera)
            except PtzError as error:
                message = gettext("%(camera)s: feed URL not read (%(error)s).")
                self.message_user(
                    request, message % {"camera": camera.name, "error": error}, messages.ERROR
                )
            else:
                message = gettext("%(camera)s: feed URL %(uri)s.")
                self.message_user(request, message % {"camera": camera.name, "uri": uri})


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["sitting", "state", "restarts", "updated_at"]
    readonly_fields = ["pid", "restarts", "health", "last_error", "started_at"]
