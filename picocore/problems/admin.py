"""The recurring-incident detector's settings in the admin (one row: how many incidents within how many days, and
how alike titles must be). Problems and proposals are read-only here: they are worked on the desk, through the
services that guard them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from picocore.audit.admin import AuditedAdmin
from picocore.problems.models import DetectorSettings, Problem, Proposal


@admin.register(DetectorSettings)
class DetectorSettingsAdmin(AuditedAdmin):
    list_display = ["__str__", "min_incidents", "window_days", "title_similarity", "active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not DetectorSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.pk = DetectorSettings.SINGLETON  # the one row
        super().save_model(request, obj, form, change)


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]  # for problems and proposals alike
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(_ReadOnly):
    """Read-only: a problem moves only through its guarded services on the desk."""

    list_display = ["key", "title", "status", "owner", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["owner"]


@admin.register(Proposal)
class ProposalAdmin(_ReadOnly):
    """Read-only: service managers accept or dismiss proposals on the desk."""

    list_display = ["title", "basis", "status", "created_at", "updated_at"]
    list_filter = ["basis", "status"]
