from django.contrib import admin

from picocore.audit.admin import AuditedAdmin
from picocore.catalog.models import FormField, PriorityRule, RequestType


class FormFieldInline(admin.TabularInline):
    model = FormField
    extra = 0
    fields = ["position", "key", "label", "kind", "required", "help_text", "choices"]


@admin.register(RequestType)
class RequestTypeAdmin(AuditedAdmin):
    list_display = ["name", "ticket_type", "active", "position"]
    list_filter = ["ticket_type", "active"]
    list_editable = ["active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FormFieldInline]


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    list_display_links = None

    def has_add_permission(self, request):
        # The matrix always has exactly one cell per impact × urgency; cells are edited, not added.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
