from django.contrib import admin
from django.http import HttpRequest

from picocore.audit.admin import AuditedAdmin
from picocore.cmdb.models import Component, Contact, Environment, Integration, RunbookVersion, Solution


class EnvironmentInline(admin.TabularInline[Environment, Solution]):
    model = Environment
    extra = 0
    fields = ["kind", "url"]


@admin.register(Solution)
class SolutionAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "kind", "product"]
    list_filter = ["kind"]
    search_fields = ["name", "organisation__name", "product"]
    autocomplete_fields = ["organisation"]
    inlines = [EnvironmentInline]


@admin.register(Environment)
class EnvironmentAdmin(AuditedAdmin):
    list_display = ["__str__", "organisation", "kind", "url"]
    list_filter = ["kind"]
    search_fields = ["solution__name", "organisation__name"]
    autocomplete_fields = ["solution"]
    list_select_related = ["organisation", "solution"]


@admin.register(Component)
class ComponentAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "environment", "kind", "product", "version", "end_of_life"]
    list_filter = ["kind", "environment__kind"]
    search_fields = ["name", "product", "organisation__name"]
    autocomplete_fields = ["environment"]
    list_select_related = ["organisation", "environment__solution"]


@admin.register(Integration)
class IntegrationAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "source", "target", "direction", "protocol", "schedule"]
    list_filter = ["direction"]
    search_fields = ["name", "source__name", "target__name", "organisation__name"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["organisation", "source", "target"]


@admin.register(RunbookVersion)
class RunbookVersionAdmin(admin.ModelAdmin[RunbookVersion]):
    """Versions are never changed: new ones are written on the component's page in the desk."""

    list_display = ["component", "number", "author", "created_at"]
    search_fields = ["component__name", "text"]
    list_select_related = ["component", "author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RunbookVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RunbookVersion | None = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "role", "email", "phone", "user", "solution"]
    list_filter = ["role"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "user", "solution"]
    list_select_related = ["organisation", "user", "solution"]
