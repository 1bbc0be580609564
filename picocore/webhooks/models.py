"""Outbound webhooks: subscriptions, the deliveries they are owed (an outbox) and every attempt made.

A delivery is written in the transaction of the change it announces (`picocore.webhooks.announce`), so a change
that rolls back announces nothing, and is unique per subscription and event: an event announced twice (a
retried task) is delivered once. Its message id is fixed when it is written and sent on every attempt and every
redelivery, so a receiver recognises a repeat. Secrets are sealed at rest (`picocore.webhooks.sealing`).
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.webhooks.choices import DeliveryState

URL_MAX_LENGTH = 500
RESPONSE_EXCERPT_BYTES = 2048


class Subscription(TimeStampedModel):
    """One receiver of events: where to post, which events, for one organisation's tickets and changes or for all
    (`organisation` empty). While a secret rotates both the new and the previous secret sign every delivery,
    until `previous_secret_expires_at`. Deliveries of an inactive subscription wait; none is lost."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("target URL"), max_length=URL_MAX_LENGTH, validators=[URLValidator(schemes=["http", "https"])]
    )
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_subscriptions",
        help_text=_("Empty: the events of every organisation."),
    )  # fmt: skip
    events = models.JSONField(_("events"), default=list)
    secret_sealed = models.CharField(_("signing secret (sealed)"), max_length=300, editable=False)
    previous_secret_sealed = models.CharField(
        _("previous signing secret (sealed)"), max_length=300, blank=True, editable=False
    )
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.TextField(_("why it was disabled"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("owner"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["active", "organisation"], name="webhook_sub_active")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event owed to one subscription (an outbox row). `attempts` counts this round's attempts (a redelivery
    starts a new round), `attempts_total` every attempt ever made. A worker holds it while `claimed_until` is
    in the future, under its `claim_token`."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=60)
    event_id = models.CharField(_("event id"), max_length=120)
    msg_id = models.CharField(_("message id"), max_length=60, unique=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts this round"), default=0)
    attempts_total = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=now)
    claimed_until = models.DateTimeField(_("claimed by a worker until"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last response status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due", condition=Q(state="pending")),
            models.Index(fields=["subscription", "-created_at"], name="webhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: the request as sent (headers and body), the answer (status and the first
    2 KB of the body, NUL bytes removed) or the error, and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started"), default=now)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body (excerpt)"), blank=True)
    error = models.TextField(_("error"), blank=True)
    request_headers = models.JSONField(_("request headers"), default=dict)
    request_body = models.TextField(_("request body"))

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["delivery", "-number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
