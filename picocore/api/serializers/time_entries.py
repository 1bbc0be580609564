"""Time entries (capability 12): time one person worked on a request (or a development item of it) on one day,
and what it debited from the contract's hours. The service team and the developers read who logged it and what
it was for; a customer reads an entry only where the portal's hours page counts it (billable time on the
requests they see, where they read the hours), without its author or description (null)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import PersonSerializer, page_of
from picocore.hours.choices import NonBillableReason
from picocore.hours.models import MAX_ENTRY_MINUTES, TimeEntry
from picocore.hours.services import DESCRIPTION_MAX


class TimeEntrySerializer(serializers.Serializer[Any]):
    """One entry; the author, the description and the development item are the service team's and the
    developers' (null for customers)."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    ticket = serializers.CharField(source="ticket.key", help_text="The request's key.")
    organisation = serializers.SlugField(source="organisation.slug")
    work_date = serializers.DateField()
    started_at = serializers.DateTimeField(allow_null=True)
    minutes = serializers.IntegerField(help_text="Time worked.")
    billable = serializers.BooleanField()
    non_billable_reason = serializers.CharField(help_text="Why it is not billed; empty when billable.")
    debited_minutes = serializers.IntegerField(help_text="What it took from the contract's hours.")
    author = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    development_item = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _staff(self) -> bool:
        return bool(self.context.get("staff"))

    def get_url(self, entry: TimeEntry) -> str:
        return reverse("api:v1:time-entry", kwargs={"entry_id": entry.pk})

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, entry: TimeEntry) -> dict[str, Any] | None:
        return dict(PersonSerializer(entry.author).data) if self._staff() else None

    def get_description(self, entry: TimeEntry) -> str | None:
        return entry.description if self._staff() else None

    def get_development_item(self, entry: TimeEntry) -> int | None:
        """The development item's id when the time was logged against one."""
        return entry.development_item_id if self._staff() else None


class TimeEntryCreateSerializer(serializers.Serializer[Any]):
    """Time to log: on a request you work on (`ticket`), or on a development item of your team (`development_item`,
    counted against its request), as the time forms of the pages log it."""

    ticket = serializers.CharField(required=False, max_length=40, help_text="The request's key, e.g. ACME-12.")
    development_item = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    minutes = serializers.IntegerField(min_value=1, max_value=MAX_ENTRY_MINUTES)
    work_date = serializers.DateField(required=False, help_text="The organisation's today when omitted.")
    started_at = serializers.DateTimeField(required=False, help_text="When the work started, if known.")
    billable = serializers.BooleanField(default=True)
    non_billable_reason = serializers.ChoiceField(
        choices=NonBillableReason.choices, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("ticket") and attrs.get("development_item") is None:
            raise serializers.ValidationError({"ticket": [_("Name the request (or the development item) worked on.")]})
        return attrs


TimeEntryPageSerializer = page_of("TimeEntryPage", TimeEntrySerializer)
