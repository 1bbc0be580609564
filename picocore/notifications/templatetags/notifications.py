"""The header's "Notifications" link with the person's unread count."""

from typing import Any

from django import template

from picocore.notifications.selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("notifications/header_link.html", takes_context=True)
def notifications_link(context: template.Context) -> dict[str, Any]:
    """The link, with how many notifications wait unread: one indexed count (user, read_at null), only for a
    signed-in person."""
    user = context.get("user")
    unread = notification_unread_count(actor=user) if user is not None and user.is_authenticated else 0
    return {"unread": unread, "current": context.get("nav") == "notifications"}
