from django.contrib import admin

from .models import Assembly, CommuneCouncillor, Member, MemberCommune, Room, StaffRole


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class MemberCommuneInline(admin.TabularInline):
    model = MemberCommune
    extra = 0


@admin.register(Assembly)
class AssemblyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "population", "regime_code"]
    inlines = [RoomInline, MemberCommuneInline]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "assembly", "role", "mandate_start", "mandate_end"]
    list_filter = ["assembly", "role"]
    search_fields = ["last_name", "first_name", "email"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "assembly", "role"]
    list_filter = ["assembly", "role"]


@admin.register(CommuneCouncillor)
class CommuneCouncillorAdmin(admin.ModelAdmin):
    """R32: the member communes' councillors who do not sit in the EPCI's council."""

    list_display = ["last_name", "first_name", "commune", "email", "active"]
    list_filter = ["commune__assembly", "active"]
    search_fields = ["last_name", "first_name", "email", "commune__name"]
