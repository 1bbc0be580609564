"""Development items (capability 7): change work handed from operations to a development team, as the
development board shows it — the brief, the milestone the customer sees on their request, the team, and of the
request only its key and title."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from picocore.api.serializers.common import NamedSerializer, PersonSerializer, page_of
from picocore.development.choices import Milestone
from picocore.development.models import DevelopmentItem


class TicketRefSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    title = serializers.CharField()


class DevelopmentItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    brief = serializers.CharField()
    milestone = serializers.ChoiceField(choices=Milestone.choices)
    team = NamedSerializer()
    organisation = serializers.SlugField(source="organisation.slug")
    ticket = TicketRefSerializer()
    handed_over_by = PersonSerializer()
    created_at = serializers.DateTimeField(help_text="When it was handed over.")
    updated_at = serializers.DateTimeField()

    def get_url(self, item: DevelopmentItem) -> str:
        return reverse("api:v1:development-item", kwargs={"item_id": item.pk})


DevelopmentItemPageSerializer = page_of("DevelopmentItemPage", DevelopmentItemSerializer)
