from django.contrib import admin

from picocore.audit.admin import AuditedAdmin
from picocore.contracts.models import Contract, SlaTarget, Tier


class TierTargetInline(admin.TabularInline):
    model = SlaTarget
    fk_name = "tier"
    exclude = ["contract"]
    extra = 0


class ContractTargetInline(admin.TabularInline):
    model = SlaTarget
    fk_name = "contract"
    exclude = ["tier"]
    extra = 0
    verbose_name_plural = "SLA target overrides (empty: the tier's targets apply)"


def _recompute(organisation_ids) -> None:
    from picocore.sla.admin import recompute_after_change

    recompute_after_change(organisation_ids)


@admin.register(Tier)
class TierAdmin(AuditedAdmin):
    list_display = ["name", "rank"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["request_types"]
    inlines = [TierTargetInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _recompute(form.instance.contracts.values_list("organisation_id", flat=True))


@admin.register(Contract)
class ContractAdmin(AuditedAdmin):
    list_display = ["organisation", "tier", "starts_on", "ends_on", "hotline_number"]
    list_filter = ["tier"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [ContractTargetInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _recompute([form.instance.organisation_id])
