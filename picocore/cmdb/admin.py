from django.contrib import admin

from picocore.audit.admin import AuditedAdmin
from picocore.cmdb.models import Environment, Solution


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
