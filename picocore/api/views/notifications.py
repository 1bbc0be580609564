"""/api/v1/notifications/: the person's own notifications they may still see (`visible_notifications`, as the
pages list them), newest first, optionally only the unread ones; POST …/<id>/read/ marks one read through the
same service as the pages. Another person's notification, or one about a ticket the person may no longer see,
is 404 and never listed."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.notifications import NotificationPageSerializer, NotificationSerializer
from picocore.api.views.base import ApiView
from picocore.core.errors import NotFound, ValidationError
from picocore.core.params import MAX_ID
from picocore.notifications.permissions import visible_notifications
from picocore.notifications.selectors import notification_get
from picocore.notifications.services import notifications_mark_read

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PARAMETERS = [
    OpenApiParameter("unread", bool, description="true: only the unread ones."),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]


class NotificationListView(ApiView):
    read_scope = Scope.NOTIFICATIONS_READ

    @extend_schema(
        parameters=PARAMETERS, responses={200: NotificationPageSerializer, **ERRORS}, operation_id="notifications_list"
    )
    def get(self, request: Request) -> Response:
        notifications = visible_notifications(self.actor)
        unread = request.query_params.get("unread", "")
        if unread not in ("", "true", "false"):
            raise ValidationError(field_errors={"unread": [_("true or false.")]})
        if unread == "true":
            notifications = notifications.filter(read_at__isnull=True)
        page = api_page(request, notifications, field="created_at", descending=True, related=("ticket",))
        return Response(paginated(request, page, list(NotificationSerializer(page.rows, many=True).data)))


class NotificationReadView(ApiView):
    write_scope = Scope.NOTIFICATIONS_WRITE

    @extend_schema(request=None, responses={200: NotificationSerializer, **ERRORS}, operation_id="notifications_read")
    def post(self, request: Request, notification_id: int) -> Response:
        if notification_id > MAX_ID:
            raise NotFound(_("There is no such notification."))
        notification = notification_get(actor=self.actor, notification_id=notification_id)
        notifications_mark_read(actor=self.actor, notification_ids=[notification.pk])
        notification = notification_get(actor=self.actor, notification_id=notification.pk)
        return Response(NotificationSerializer(notification).data)
