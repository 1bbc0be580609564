from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from picocore.tenancy.models import Membership, Organisation, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "staff_role", "is_active", "last_login"]
    list_filter = ["staff_role", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "default_organisation"]}),
        (_("Service team"), {"fields": ["staff_role", "is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = ["groups"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "time_zone", "requesters_see_all"]
    search_fields = ["name", "slug", "key_prefix"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["last_ticket_number"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # Keys already handed out must stay valid, so the prefix is fixed once tickets exist.
        if obj is not None and obj.last_ticket_number:
            return [*self.readonly_fields, "key_prefix"]
        return self.readonly_fields


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["members", "organisations"]
