from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from picocore.audit.admin import AuditedAdmin, inline_changes
from picocore.sla.models import (
    BusinessHoursCalendar,
    CalendarClosedDay,
    CalendarExtraOpen,
    CalendarInterval,
    OnCallShift,
    SlaClock,
)
from picocore.sla.services import calendar_problem, calendar_update


class IntervalInline(admin.TabularInline):
    model = CalendarInterval
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = CalendarClosedDay
    extra = 0


class ExtraOpenInline(admin.TabularInline):
    model = CalendarExtraOpen
    extra = 0


@admin.register(BusinessHoursCalendar)
class BusinessHoursCalendarAdmin(AuditedAdmin):
    list_display = ["name", "time_zone", "country", "subdivision", "problem"]
    inlines = [IntervalInline, ClosedDayInline, ExtraOpenInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("intervals", "closed_days", "extra_open")

    @admin.display(description=_("cannot be used because"))
    def problem(self, obj: BusinessHoursCalendar) -> str:
        return calendar_problem(obj) or "—"

    def save_model(self, request, obj, form, change):
        pass  # saved with its schedule in save_related, as one change

    def save_related(self, request, form, formsets, change):
        calendar_update(
            actor=request.user,
            calendar=form.instance,
            intervals=inline_changes(formsets, CalendarInterval),
            closed_days=inline_changes(formsets, CalendarClosedDay),
            extra_open=inline_changes(formsets, CalendarExtraOpen),
        )


@admin.register(OnCallShift)
class OnCallShiftAdmin(AuditedAdmin):
    """The on-call rota: who is paged for a P1 outside business hours, and when."""

    list_display = ["user", "starts_at", "ends_at", "team"]
    list_filter = ["team"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["user"]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["ticket", "metric", "due_at", "paused_since", "stopped_at", "breached_at"]
    list_filter = ["metric"]
    list_select_related = ["ticket"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
