"""Problems and known issues (capability 10). A problem is the service team's: its cause, workaround, owner,
next step, the known issue it publishes, and of the customers it affects and the incidents linked to it only
those of customers the reader serves. A customer reads a known issue: its customer-facing title and text,
whether it is fixed, and when it was published and last changed — nothing else of the problem."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import PersonSerializer, SluggedSerializer, page_of
from picocore.problems.choices import ProblemStatus
from picocore.problems.models import Problem
from picocore.problems.selectors import KnownIssue


class PublishedIssueSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(source="known_issue_title")
    text = serializers.CharField(source="known_issue_text")
    published_at = serializers.DateTimeField(source="known_issue_published_at")


class ProblemSerializer(serializers.Serializer[Any]):
    """One problem, with the affected customers the reader serves (`context["customers"]`: by problem id)."""

    id = serializers.IntegerField()
    key = serializers.CharField(help_text="PRB-<number>.")
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ProblemStatus.choices)
    description = serializers.CharField()
    root_cause = serializers.CharField()
    workaround = serializers.CharField()
    owner = PersonSerializer(allow_null=True)
    next_step = serializers.CharField()
    next_step_due = serializers.DateField(allow_null=True)
    fixing_change = serializers.IntegerField(source="fixing_change_id", allow_null=True, help_text="A change id.")
    known_issue = serializers.SerializerMethodField()
    customers = serializers.SerializerMethodField()
    incidents = serializers.IntegerField(source="incident_count", help_text="Linked incidents you see.")
    open_incidents = serializers.IntegerField(source="open_count")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, problem: Problem) -> str:
        return reverse("api:v1:problem", kwargs={"problem_id": problem.pk})

    @extend_schema_field(PublishedIssueSerializer(allow_null=True))
    def get_known_issue(self, problem: Problem) -> dict[str, Any] | None:
        """What the affected customers read; null while it is not published."""
        if problem.known_issue_published_at is None:
            return None
        return dict(PublishedIssueSerializer(problem).data)

    @extend_schema_field(SluggedSerializer(many=True))
    def get_customers(self, problem: Problem) -> list[dict[str, str]]:
        """The affected customers you serve, by name."""
        return [{"slug": slug, "name": name} for slug, name in self.context["customers"].get(problem.pk, [])]


class KnownIssueSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    text = serializers.CharField()
    fixed = serializers.BooleanField(help_text="The fix is in.")
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_url(self, issue: KnownIssue) -> str:
        return reverse("api:v1:known-issue", kwargs={"issue_id": issue.pk})


ProblemPageSerializer = page_of("ProblemPage", ProblemSerializer)
KnownIssuePageSerializer = page_of("KnownIssuePage", KnownIssueSerializer)
