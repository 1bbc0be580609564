"""Configuring a contract's hours (audited); entries, months and adjustments are read here, written by the
services (picocore.hours.services), which enforce the frozen months and the edit window."""

from django.contrib import admin
from django.http import HttpRequest

from picocore.audit.admin import AuditedAdmin
from picocore.hours.models import HourTerms, LedgerAdjustment, LedgerMonth, TimeEntry


@admin.register(HourTerms)
class HourTermsAdmin(AuditedAdmin):
    list_display = ["contract", "included_minutes", "carry_over_cap_minutes", "carry_over_months", "rounding_minutes"]
    list_select_related = ["contract__organisation", "contract__tier"]
    autocomplete_fields = ["contract"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "author", "work_date", "minutes", "debited_minutes", "billable"]
    list_filter = ["billable", "month"]
    list_select_related = ["ticket", "author"]


@admin.register(LedgerMonth)
class LedgerMonthAdmin(ReadOnlyAdmin):
    list_display = ["contract", "month", "closed_at"]
    list_select_related = ["contract__organisation", "contract__tier"]


@admin.register(LedgerAdjustment)
class LedgerAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["contract", "month", "minutes", "reason", "actor"]
    list_select_related = ["contract__organisation", "contract__tier", "actor"]
