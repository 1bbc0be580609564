"""The person's own notifications, as the bell on the pages lists them."""

from typing import Any

from rest_framework import serializers

from picocore.api.serializers.common import page_of
from picocore.notifications.models import Notification, NotificationKind


class NotificationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    ticket = serializers.SerializerMethodField()
    link = serializers.CharField(help_text="The page to open, relative to the application.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_ticket(self, notification: Notification) -> str | None:
        """The key of the ticket it is about, if any."""
        return notification.ticket.key if notification.ticket is not None else None


NotificationPageSerializer = page_of("NotificationPage", NotificationSerializer)
