from django.contrib import admin

from picocore.audit.admin import AuditedAdmin
from picocore.development.models import DevelopmentItem


@admin.register(DevelopmentItem)
class DevelopmentItemAdmin(AuditedAdmin):
    list_display = ["title", "team", "milestone", "ticket", "updated_at"]
    list_filter = ["milestone", "team"]
    list_select_related = ["team", "ticket"]
    readonly_fields = ["ticket", "organisation", "handed_over_by", "created_at", "updated_at", "milestone"]

    def has_add_permission(self, request):
        # Hand-offs go through the desk, which records them on the ticket's timeline.
        return False
