from django.contrib import admin

from picocore.audit.admin import AuditedAdmin
from picocore.contracts.models import Contract, Tier


@admin.register(Tier)
class TierAdmin(AuditedAdmin):
    list_display = ["name", "rank"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["request_types"]


@admin.register(Contract)
class ContractAdmin(AuditedAdmin):
    list_display = ["organisation", "tier", "starts_on", "ends_on", "hotline_number"]
    list_filter = ["tier"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
