"""An organisation's contracts: the tier, the guaranteed response times for each priority (the contract's own
override of a target winning over its tier's, as the SLA clocks count them), the hotline and the term."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import SluggedSerializer, page_of
from picocore.contracts.models import ClockKind, Contract, HotlineCoverage, SlaMetric, SlaTarget


class ResponseTimeSerializer(serializers.Serializer[Any]):
    priority = serializers.IntegerField(min_value=1, max_value=5)
    metric = serializers.ChoiceField(choices=SlaMetric.choices)
    minutes = serializers.IntegerField()
    clock = serializers.ChoiceField(choices=ClockKind.choices, help_text="Counted in business hours or 24/7.")


class TierSerializer(SluggedSerializer):
    hotline_coverage = serializers.ChoiceField(choices=HotlineCoverage.choices)
    hours_per_month = serializers.DecimalField(max_digits=6, decimal_places=1)
    reopen_window_days = serializers.IntegerField()


def response_times(contract: Contract) -> list[SlaTarget]:
    """The targets in force under the contract, by priority and metric: its tier's, each replaced by the
    contract's own override of the same priority and metric (the rule `picocore.sla.services.contract_policy`
    applies), from the prefetched rows."""
    chosen: dict[tuple[int, str], SlaTarget] = {}
    for target in (*contract.tier.sla_targets.all(), *contract.sla_targets.all()):
        chosen[(target.priority, target.metric)] = target
    return [chosen[key] for key in sorted(chosen)]


class ContractSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    tier = TierSerializer()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True, help_text="Null: open-ended.")
    in_force = serializers.SerializerMethodField()
    hotline_number = serializers.CharField(help_text="Empty when the contract has no hotline.")
    business_hours = serializers.CharField(source="calendar.name", allow_null=True, default=None)
    response_times = serializers.SerializerMethodField()

    def get_in_force(self, contract: Contract) -> bool:
        """In force today at the organisation's offices (`context["today"]`, its local date)."""
        return contract.in_force_on(self.context["today"])

    @extend_schema_field(ResponseTimeSerializer(many=True))
    def get_response_times(self, contract: Contract) -> list[dict[str, Any]]:
        return list(ResponseTimeSerializer(response_times(contract), many=True).data)


ContractPageSerializer = page_of("ContractPage", ContractSerializer)
