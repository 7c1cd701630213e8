"""Read-only admin views of the sittings: every write goes through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AttendanceEvent,
    Convocation,
    PrefectureLink,
    Proxy,
    Sitting,
    SittingLog,
    Transmission,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Sitting)
class SittingAdmin(ReadOnly):
    list_display = ["title", "assembly", "starts_at", "state", "outcome"]
    list_filter = ["assembly", "state"]


@admin.register(Convocation)
class ConvocationAdmin(ReadOnly):
    list_display = ["register_number", "sitting", "sent_at", "clear_days", "notice_required"]


@admin.register(AttendanceEvent)
class AttendanceEventAdmin(ReadOnly):
    list_display = ["sitting", "member", "kind", "mode", "room", "at", "recorded_by"]
    list_filter = ["sitting", "kind", "mode"]


@admin.register(Proxy)
class ProxyAdmin(ReadOnly):
    list_display = ["grantor", "holder", "illness", "created_at", "revoked_at"]


@admin.register(SittingLog)
class SittingLogAdmin(ReadOnly):
    list_display = ["sitting", "at", "kind", "user"]
    list_filter = ["sitting", "kind"]


# The link of an assembly to S²LOW is configuration (an address and certificate files on
# the server), set by an administrator; the transmissions are read-only records.
@admin.register(PrefectureLink)
class PrefectureLinkAdmin(admin.ModelAdmin):
    list_display = ["assembly", "base_url", "control_entity", "enabled"]


@admin.register(Transmission)
class TransmissionAdmin(ReadOnly):
    list_display = ["number", "sitting", "state", "act_id", "acknowledged_on", "attempts"]
    list_filter = ["state"]
