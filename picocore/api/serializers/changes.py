"""A change (capability 9): what it is, why, its window and expected downtime, its status and the components it
was confirmed to affect, as the portal shows it to the customer; the plans, the risk and the implementer are
the service team's only (null for customers)."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import NamedSerializer, PersonSerializer, page_of
from picocore.changes.choices import ChangeStatus, ChangeType, RiskLevel
from picocore.changes.models import Change


class PlanSerializer(serializers.Serializer[Any]):
    implementation = serializers.CharField(source="implementation_plan")
    test = serializers.CharField(source="test_plan")
    backout = serializers.CharField(source="backout_plan")


class ChangeSerializer(serializers.Serializer[Any]):
    """One change; the risk, the plans and the implementer are the service team's (null for customers)."""

    id = serializers.IntegerField()
    key = serializers.CharField(help_text="CHG-<number>.")
    url = serializers.SerializerMethodField()
    organisation = serializers.SlugField(source="organisation.slug")
    type = serializers.ChoiceField(source="change_type", choices=ChangeType.choices)
    status = serializers.ChoiceField(choices=ChangeStatus.choices)
    title = serializers.CharField()
    reason = serializers.CharField()
    planned_start = serializers.DateTimeField(allow_null=True)
    planned_end = serializers.DateTimeField(allow_null=True)
    downtime_minutes = serializers.IntegerField(help_text="Expected downtime; 0 for none.")
    components = serializers.SerializerMethodField()
    risk = serializers.SerializerMethodField()
    plans = serializers.SerializerMethodField()
    implementer = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_url(self, change: Change) -> str:
        return reverse("api:v1:change", kwargs={"change_id": change.pk})

    @extend_schema_field(NamedSerializer(many=True))
    def get_components(self, change: Change) -> list[dict[str, Any]]:
        """The components confirmed to be affected, by name."""
        components = sorted((row.component for row in change.affected.all()), key=lambda c: (c.name, c.pk))
        return list(NamedSerializer(components, many=True).data)

    @extend_schema_field(serializers.ChoiceField(choices=RiskLevel.choices, allow_null=True))
    def get_risk(self, change: Change) -> str | None:
        return change.risk_level if self.context.get("staff") else None

    @extend_schema_field(PlanSerializer(allow_null=True))
    def get_plans(self, change: Change) -> dict[str, Any] | None:
        return dict(PlanSerializer(change).data) if self.context.get("staff") else None

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_implementer(self, change: Change) -> dict[str, Any] | None:
        if not self.context.get("staff") or change.implementer is None:
            return None
        return dict(PersonSerializer(change.implementer).data)


ChangePageSerializer = page_of("ChangePage", ChangeSerializer)
