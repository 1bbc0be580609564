from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from picocore.audit.admin import AuditedAdmin
from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff
from picocore.tenancy.http import signed_in_user
from picocore.tenancy.models import Membership, Organisation, Team, User


class MembershipInline(admin.TabularInline[Membership, Model]):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin[User]):
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

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Django's password form saves the user itself, past save_model: record the change here.
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and (user := self.get_object(request, id)):
            audit_record(
                actor=signed_in_user(request),
                action=AuditAction.CHANGED,
                instance=user,
                changes=diff({"password": "old"}, {"password": "new"}),
            )
        return response


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "key_prefix", "time_zone", "request_visibility"]
    list_filter = ["request_visibility"]
    search_fields = ["name", "slug", "key_prefix"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["last_ticket_number"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None) -> list[str] | tuple[str, ...]:
        # Keys already handed out must stay valid, so the prefix is fixed once tickets exist.
        if obj is not None and obj.last_ticket_number:
            return [*self.readonly_fields, "key_prefix"]
        return self.readonly_fields


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    filter_horizontal = ["members", "organisations"]
