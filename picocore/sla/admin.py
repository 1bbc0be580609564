from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
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
from picocore.tenancy.http import signed_in_user


class IntervalInline(admin.TabularInline[CalendarInterval, BusinessHoursCalendar]):
    model = CalendarInterval
    extra = 0


class ClosedDayInline(admin.TabularInline[CalendarClosedDay, BusinessHoursCalendar]):
    model = CalendarClosedDay
    extra = 0


class ExtraOpenInline(admin.TabularInline[CalendarExtraOpen, BusinessHoursCalendar]):
    model = CalendarExtraOpen
    extra = 0


@admin.register(BusinessHoursCalendar)
class BusinessHoursCalendarAdmin(AuditedAdmin):
    list_display = ["name", "time_zone", "country", "subdivision", "problem"]
    inlines = [IntervalInline, ClosedDayInline, ExtraOpenInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BusinessHoursCalendar]:
        return super().get_queryset(request).prefetch_related("intervals", "closed_days", "extra_open")

    @admin.display(description=_("cannot be used because"))
    def problem(self, obj: BusinessHoursCalendar) -> str:
        return calendar_problem(obj) or "—"

    def save_model(
        self,
        request: HttpRequest,
        obj: BusinessHoursCalendar,
        form: forms.ModelForm[BusinessHoursCalendar],
        change: bool,
    ) -> None:
        pass  # saved with its schedule in save_related, as one change

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[BusinessHoursCalendar],
        formsets: list[forms.BaseFormSet[Any]],
        change: bool,
    ) -> None:
        calendar_update(
            actor=signed_in_user(request),
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
class SlaClockAdmin(admin.ModelAdmin[SlaClock]):
    list_display = ["ticket", "metric", "due_at", "paused_since", "stopped_at", "breached_at"]
    list_filter = ["metric"]
    list_select_related = ["ticket"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SlaClock | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SlaClock | None = None) -> bool:
        return False
