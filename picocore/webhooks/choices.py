from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What a subscription may hear of: the `type` of each delivery's JSON body."""

    TICKET_CREATED = "ticket.created", _("A ticket is created")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("A ticket's status changes")
    TICKET_PUBLIC_REPLY = "ticket.public_reply", _("A public reply on a ticket")
    TICKET_ASSIGNED = "ticket.assigned", _("A ticket is assigned")
    SLA_WARNING = "sla.warning", _("An SLA deadline is near")
    SLA_BREACHED = "sla.breached", _("An SLA deadline is missed")
    CHANGE_SCHEDULED = "change.scheduled", _("A change is scheduled or rescheduled")


# Sent by "Send a test", never chosen: every active subscription accepts it.
PING = "webhook.ping"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, no retry left in this round")
    DEAD = "dead", _("Given up: the subscription was disabled")
