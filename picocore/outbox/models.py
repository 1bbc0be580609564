"""The transactional outbox: everything that leaves the system is first a row written in the same
transaction as the change that caused it. A worker sends it afterwards, with retries."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    PARKED = "parked", _("Parked after repeated failures")
    WITHHELD = "withheld", _("Not sent: the recipient may no longer see it")


def new_message_id() -> str:
    domain = getattr(settings, "PICOCORE_MAIL_DOMAIN", "picocore.example")
    return f"<{uuid.uuid4().hex}@{domain}>"


class OutboxEmail(models.Model):
    """One e-mail to one recipient. Its Message-ID is fixed when the row is written, so a rare resend after a
    crash is recognisable as the same message; `In-Reply-To`/`References` chain it into the ticket's thread."""

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True, default=new_message_id)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox_emails"
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.EmailField(_("to"))
    reply_to = models.CharField(_("reply to"), max_length=250, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"), blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=250, blank=True)
    references = models.TextField(_("References"), blank=True)
    headers = models.JSONField(
        _("further headers"), default=dict, blank=True,
        help_text=_("Header name to value, such as List-Unsubscribe; never replaces the headers set when sending."),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=now)
    claimed_until = models.DateTimeField(_("claimed by a worker until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(status="pending")),
            models.Index(fields=["ticket", "created_at"], name="outbox_ticket_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address}"
