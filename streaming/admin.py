from django.contrib import admin

from .models import Broadcast, Camera, CameraPreset


class PresetInline(admin.TabularInline):
    model = CameraPreset
    extra = 1


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["name", "room", "protocol", "control_address", "feed_url"]
    list_filter = ["room__assembly", "protocol"]
    inlines = [PresetInline]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["sitting", "state", "restarts", "updated_at"]
    readonly_fields = ["pid", "restarts", "health", "last_error", "started_at"]
