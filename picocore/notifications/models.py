"""Notifications: what a person should know about, in the app and/or by e-mail, as each person chooses."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class NotificationKind(models.TextChoices):
    # For the customer
    REPLY = "reply", _("A reply from the service team")
    STATUS = "status", _("A status change")
    NEXT_STEP = "next_step", _("A new next step")
    RESOLVED = "resolved", _("A request resolved")
    RECEIVED = "received", _("The receipt of a new request")
    PRIORITY = "priority", _("A priority change")
    DEVELOPMENT = "development", _("Progress of development work")
    # For the service team
    NEW_TICKET = "new_ticket", _("A new request for my team")
    CUSTOMER_REPLY = "customer_reply", _("A customer's reply")
    HAND_OFF = "hand_off", _("Work handed to my development team")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    ON_CALL_PAGE = "on_call_page", _("On-call page")
    NEXT_STEP_OVERDUE = "next_step_overdue", _("A next step of mine is overdue")
    LOW_RATING = "low_rating", _("A customer's low rating to follow up")
    WEBHOOK_DISABLED = "webhook_disabled", _("A webhook of mine disabled after failed deliveries")


class Channel(models.TextChoices):
    BOTH = "both", _("E-mail and in the app")
    EMAIL = "email", _("E-mail only")
    IN_APP = "in_app", _("In the app only")


# The channel of a kind for someone who chose nothing: both, except the receipt of a request, which the
# person has just seen on the page (or sent by e-mail): it is worth keeping in the mailbox, not as unread news.
DEFAULT_CHANNELS = {NotificationKind.RECEIVED: Channel.EMAIL}


def default_channel(kind: str) -> str:
    return (
        str(DEFAULT_CHANNELS.get(NotificationKind(kind), Channel.BOTH))
        if kind in NotificationKind.values
        else Channel.BOTH
    )


class NotificationPreference(models.Model):
    """How one person wants to hear about one kind of event; without a row, the kind's default channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.BOTH)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"


class Notification(models.Model):
    """One message for one person, unique per (person, key) so a repeated sweep never notifies twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(_("idempotency key"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    # The page the notification is about when it is not the ticket's own page for this person (a developer
    # cannot open the desk's ticket page; their hand-off notice opens the development item).
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class EventFanOut(models.Model):
    """The mark that an event's notifications have been written (in the transaction that wrote them): the
    deferred fan-out of an event runs once, however often its task runs or is retried."""

    event = models.OneToOneField("tickets.TicketEvent", primary_key=True, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(_("done"), default=now)

    class Meta:
        verbose_name = _("notification fan-out")
        verbose_name_plural = _("notification fan-outs")

    def __str__(self) -> str:
        return f"event {self.event_id}"
