"""The administrator's sign-in rules; people's signed-in sessions are theirs to see and end (Security page)."""

from django.contrib import admin
from django.http import HttpRequest

from picocore.audit.admin import AuditedAdmin
from picocore.security.models import SecuritySettings


@admin.register(SecuritySettings)
class SecuritySettingsAdmin(AuditedAdmin):
    list_display = ["__str__", "staff_second_factor_from"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row: created with the defaults on first use, then edited.
        return super().has_add_permission(request) and not SecuritySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: SecuritySettings | None = None) -> bool:
        return False
