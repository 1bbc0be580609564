"""A ticket's SLA clocks as stored by the SLA engine (`picocore.sla`): one per metric the contract promises."""

from typing import Any

from rest_framework import serializers

from picocore.contracts.models import ClockKind, SlaMetric


class SlaClockSerializer(serializers.Serializer[Any]):
    metric = serializers.ChoiceField(choices=SlaMetric.choices)
    target_seconds = serializers.IntegerField(help_text="The guaranteed time, counted as `clock` says.")
    clock = serializers.ChoiceField(choices=ClockKind.choices)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="Null while paused or stopped.")
    elapsed_seconds = serializers.IntegerField(help_text="Counted so far, as of `computed_at`.")
    computed_at = serializers.DateTimeField()
    paused = serializers.SerializerMethodField()
    paused_since = serializers.DateTimeField(allow_null=True)
    stopped = serializers.SerializerMethodField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.SerializerMethodField()
    breached_at = serializers.DateTimeField(allow_null=True)

    def get_paused(self, clock: Any) -> bool:
        return clock.paused_since is not None

    def get_stopped(self, clock: Any) -> bool:
        return clock.stopped_at is not None

    def get_breached(self, clock: Any) -> bool:
        return clock.breached_at is not None


class TicketSlaSerializer(serializers.Serializer[Any]):
    ticket = serializers.CharField(help_text="The ticket's key.")
    clocks = SlaClockSerializer(many=True)
