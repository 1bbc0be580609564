from django.contrib import admin

from picocore.audit.admin import AuditedAdmin, inline_changes
from picocore.contracts.models import Contract, SlaTarget, Tier
from picocore.contracts.services import contract_delete, contract_update, tier_update


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


@admin.register(Tier)
class TierAdmin(AuditedAdmin):
    """Tiers and their SLA targets, saved (and audited, and recomputed) by `tier_update`."""

    list_display = ["name", "rank"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["request_types"]
    inlines = [TierTargetInline]

    def save_model(self, request, obj, form, change):
        pass  # saved with its targets in save_related, as one change

    def save_related(self, request, form, formsets, change):
        tier_update(
            actor=request.user, tier=form.instance, targets=inline_changes(formsets, SlaTarget), save_m2m=form.save_m2m
        )


@admin.register(Contract)
class ContractAdmin(AuditedAdmin):
    """Contracts and their SLA target overrides, saved (and audited, and recomputed) by `contract_update`."""

    list_display = ["organisation", "tier", "starts_on", "ends_on", "hotline_number"]
    list_filter = ["tier"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [ContractTargetInline]

    def save_model(self, request, obj, form, change):
        pass  # saved with its target overrides in save_related, as one change

    def save_related(self, request, form, formsets, change):
        contract_update(actor=request.user, contract=form.instance, targets=inline_changes(formsets, SlaTarget))

    def delete_model(self, request, obj):
        contract_delete(actor=request.user, contract=obj)

    def delete_queryset(self, request, queryset):
        for contract in queryset:
            contract_delete(actor=request.user, contract=contract)
