"""A component of a customer's landscape (capability 8), in its solution and environment, as the landscape page
shows it: customers read what the portal shows them; the runbook's version and the team's notes are the
service team's only (null for customers)."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from picocore.api.serializers.common import page_of
from picocore.cmdb.choices import ComponentKind, EnvironmentKind, SolutionKind
from picocore.cmdb.models import Component


class SolutionRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SolutionKind.choices)
    product = serializers.CharField()


class EnvironmentRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EnvironmentKind.choices)
    url = serializers.CharField(help_text="Empty when none is recorded.")


class ComponentSerializer(serializers.Serializer[Any]):
    """One component; the notes and the runbook version are the service team's (null for customers)."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    organisation = serializers.SlugField(source="organisation.slug")
    solution = SolutionRefSerializer(source="environment.solution")
    environment = EnvironmentRefSerializer()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ComponentKind.choices)
    product = serializers.CharField()
    version = serializers.CharField()
    end_of_life = serializers.DateField(allow_null=True)
    address = serializers.CharField(source="url", help_text="The component's own address; empty when none.")
    hosting = serializers.CharField()
    owner = serializers.CharField(help_text="Who answers for it.")
    notes = serializers.SerializerMethodField()
    runbook_version = serializers.SerializerMethodField()

    def get_url(self, component: Component) -> str:
        return reverse("api:v1:component", kwargs={"component_id": component.pk})

    def get_notes(self, component: Component) -> str | None:
        """The service team's notes; null for customers."""
        return component.notes if self.context.get("staff") else None

    def get_runbook_version(self, component: Component) -> int | None:
        """The current runbook's version (null without a runbook, and for customers)."""
        number: int | None = getattr(component, "runbook_number", None)
        return number if self.context.get("staff") else None


ComponentPageSerializer = page_of("ComponentPage", ComponentSerializer)
