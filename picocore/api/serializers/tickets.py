"""The ticket resource: what is read (one shape for lists and details) and what each action accepts.

Input serializers only check shape and size; the rules (who may, which transitions, what a field may hold) are
the services' and come back as the shared error envelope."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import NamedSerializer, PersonSerializer, SluggedSerializer, page_of
from picocore.catalog.choices import Impact, Urgency
from picocore.tickets.choices import LinkKind, Status
from picocore.tickets.models import Attachment, Ticket, TicketEvent

TEXT_MAX = 50_000


class TicketSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    url = serializers.SerializerMethodField()
    organisation = SluggedSerializer()
    type = serializers.CharField(source="ticket_type")
    request_type = SluggedSerializer()
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.IntegerField()
    impact = serializers.CharField()
    urgency = serializers.CharField()
    requester = PersonSerializer()
    team = NamedSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True)
    component = NamedSerializer(allow_null=True)
    next_step = serializers.CharField()
    next_step_due = serializers.DateField(allow_null=True)
    sla_due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, ticket: Ticket) -> str:
        return reverse("api:v1:ticket", kwargs={"key": ticket.key})


TicketPageSerializer = page_of("TicketPage", TicketSerializer)


class TicketCreateSerializer(serializers.Serializer[Any]):
    """A new request: the organisation and request type by slug, and the type's own questions in `answers`
    (by question key, as the request type resource lists them). The service team names the `requester` (a
    member's e-mail); a customer files for themselves."""

    organisation = serializers.SlugField()
    request_type = serializers.SlugField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    requester = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    component = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    answers = serializers.DictField(child=serializers.JSONField(), required=False)


class TextSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=TEXT_MAX)


class TransitionSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    assignee = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class NextStepSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=300, allow_blank=True)
    due = serializers.DateField(required=False, allow_null=True)


class PrioritySerializer(serializers.Serializer[Any]):
    priority = serializers.IntegerField(min_value=1, max_value=4)
    reason = serializers.CharField(max_length=300)


class LinkSerializer(serializers.Serializer[Any]):
    other = serializers.CharField(max_length=32, help_text="The other ticket's key.")
    kind = serializers.ChoiceField(choices=LinkKind.choices)


class MergeSerializer(serializers.Serializer[Any]):
    into = serializers.CharField(max_length=32, help_text="The key of the ticket this one duplicates.")


class AttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment: Attachment) -> str:
        return reverse(
            "api:v1:ticket-attachment", kwargs={"key": attachment.ticket.key, "attachment_id": attachment.pk}
        )


class TimelineEventSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    public = serializers.BooleanField()
    actor = PersonSerializer(allow_null=True)
    body = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, event: TicketEvent) -> list[dict[str, Any]]:
        files = list(event.attachments.all())
        for attachment in files:
            attachment.ticket = self.context["ticket"]
        return AttachmentSerializer(files, many=True).data  # type: ignore[return-value]


class TimelineSerializer(serializers.Serializer[Any]):
    results = TimelineEventSerializer(many=True)


class EventCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()
