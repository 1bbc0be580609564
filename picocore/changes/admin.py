"""The installation's change settings in the admin: the standard-change catalogue, customers' approval
policies, the CAB's settings, maintenance windows and freezes. Changes themselves are read-only here: they
are planned and moved on the desk, through the services that guard them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from picocore.audit.admin import AuditedAdmin
from picocore.changes.models import (
    ApprovalPolicy,
    CabSettings,
    Change,
    Freeze,
    MaintenanceWindow,
    StandardChangeTemplate,
)


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(AuditedAdmin):
    list_display = ["name", "duration_minutes", "downtime_minutes", "active"]
    list_filter = ["active", "tiers"]
    search_fields = ["name", "description"]
    filter_horizontal = ["tiers"]


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(AuditedAdmin):
    list_display = ["contract", "rule", "needed"]
    list_filter = ["rule"]
    autocomplete_fields = ["contract"]


@admin.register(CabSettings)
class CabSettingsAdmin(AuditedAdmin):
    list_display = ["__str__", "quorum", "approval_link_days", "reminder_hours"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(AuditedAdmin):
    list_display = ["organisation", "label", "weekday", "starts_at", "duration_minutes"]
    list_filter = ["weekday"]
    search_fields = ["organisation__name", "label"]
    autocomplete_fields = ["organisation"]


@admin.register(Freeze)
class FreezeAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "starts_on", "ends_on", "recurs_yearly"]
    list_filter = ["recurs_yearly"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin[Change]):
    """Read-only: a change moves only through its guarded services on the desk."""

    list_display = ["key", "title", "organisation", "change_type", "status", "planned_start", "risk_level"]
    list_filter = ["change_type", "status", "risk_level"]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
