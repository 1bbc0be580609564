from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from picocore.audit.admin import AuditedAdmin, inline_changes
from picocore.contracts.models import Contract, SlaTarget, Tier
from picocore.contracts.services import contract_delete, contract_update, tier_update
from picocore.core.forms import HoursMinutesField
from picocore.tenancy.http import signed_in_user


class SlaTargetForm(forms.ModelForm[SlaTarget]):
    """A target entered as hours and minutes ("2 h 30 min"), stored in minutes."""

    minutes = HoursMinutesField(label=_("target"), help_text=_("Hours and minutes, e.g. 2 h 30 min."))

    class Meta:
        model = SlaTarget
        fields = ["priority", "metric", "minutes", "clock"]


class TierTargetInline(admin.TabularInline[SlaTarget, Tier]):
    model = SlaTarget
    form = SlaTargetForm
    fk_name = "tier"
    exclude = ["contract"]
    extra = 0


class ContractTargetInline(admin.TabularInline[SlaTarget, Contract]):
    model = SlaTarget
    form = SlaTargetForm
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

    def save_model(self, request: HttpRequest, obj: Tier, form: forms.ModelForm[Tier], change: bool) -> None:
        pass  # saved with its targets in save_related, as one change

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[Tier], formsets: list[forms.BaseFormSet[Any]], change: bool
    ) -> None:
        tier_update(
            actor=signed_in_user(request),
            tier=form.instance,
            targets=inline_changes(formsets, SlaTarget),
            save_m2m=form.save_m2m,
        )


@admin.register(Contract)
class ContractAdmin(AuditedAdmin):
    """Contracts and their SLA target overrides, saved (and audited, and recomputed) by `contract_update`."""

    list_display = ["organisation", "tier", "starts_on", "ends_on", "hotline_number", "retention_months"]
    list_filter = ["tier"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]
    inlines = [ContractTargetInline]

    def save_model(self, request: HttpRequest, obj: Contract, form: forms.ModelForm[Contract], change: bool) -> None:
        pass  # saved with its target overrides in save_related, as one change

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Contract],
        formsets: list[forms.BaseFormSet[Any]],
        change: bool,
    ) -> None:
        contract_update(
            actor=signed_in_user(request), contract=form.instance, targets=inline_changes(formsets, SlaTarget)
        )

    def delete_model(self, request: HttpRequest, obj: Contract) -> None:
        contract_delete(actor=signed_in_user(request), contract=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contract]) -> None:
        for contract in queryset:
            contract_delete(actor=signed_in_user(request), contract=contract)
