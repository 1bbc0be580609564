from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from picocore.audit.admin import AuditedAdmin
from picocore.catalog.choices import Impact, Priority, Urgency
from picocore.catalog.models import FormField, PriorityRule, RequestType
from picocore.catalog.priority import DEFAULT_MATRIX
from picocore.catalog.services import priority_matrix_update
from picocore.core.errors import ValidationError
from picocore.tenancy.http import signed_in_user


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = ["position", "key", "label", "kind", "required", "help_text", "choices"]
    # The kind decides how an answer is checked (an e-mail address, a web address, a whole number, a date in
    # the future, …): service managers choose it per question.


@admin.register(RequestType)
class RequestTypeAdmin(AuditedAdmin):
    list_display = ["name", "ticket_type", "active", "position"]
    list_filter = ["ticket_type", "active"]
    list_editable = ["active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FormFieldInline]


class PriorityMatrixForm(forms.Form):
    """The whole matrix on one screen: a select of P1..P5 per impact (rows) × urgency (columns)."""

    def __init__(self, *args: Any, current: dict[tuple[str, str], int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for impact in Impact:
            for urgency in Urgency:
                self.fields[self.name(impact, urgency)] = forms.TypedChoiceField(
                    label=_("%(impact)s impact, %(urgency)s urgency")
                    % {"impact": impact.label, "urgency": urgency.label},
                    choices=Priority.choices,
                    coerce=int,
                    initial=current.get((impact, urgency), DEFAULT_MATRIX[(impact, urgency)]),
                )

    @staticmethod
    def name(impact: str, urgency: str) -> str:
        return f"{impact}__{urgency}"

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(impact label, its cells left to right in urgency order), for the grid."""
        return [(str(impact.label), [self[self.name(impact, urgency)] for urgency in Urgency]) for impact in Impact]

    def cells(self) -> dict[tuple[str, str], int]:
        return {(impact.value, urgency.value): self.cleaned_data[self.name(impact, urgency)]
                for impact in Impact for urgency in Urgency}  # fmt: skip


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedAdmin):
    """The priority matrix, edited as one grid (impact rows × urgency columns) and saved by
    `priority_matrix_update`, each changed cell audited."""

    list_display = ["impact", "urgency", "priority"]
    list_display_links = None

    def has_add_permission(self, request):
        # The matrix always has exactly one cell per impact × urgency; cells are edited, not added.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        editable = self.has_change_permission(request)
        current = {(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()}
        form = PriorityMatrixForm(request.POST if request.method == "POST" and editable else None, current=current)
        if request.method == "POST" and editable and form.is_valid():
            try:
                changed = priority_matrix_update(actor=signed_in_user(request), cells=form.cells())
            except ValidationError as error:
                form.add_error(None, error.message)
            else:
                message = ngettext("%(count)d cell changed.", "%(count)d cells changed.", changed) % {"count": changed}
                self.message_user(request, message if changed else _("Nothing changed."), messages.SUCCESS)
                return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Priority matrix"),
            "form": form,
            "editable": editable,
            "urgencies": [str(urgency.label) for urgency in Urgency],
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/catalog/priorityrule/grid.html", context)
