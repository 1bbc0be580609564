"""Status pages: per organisation, who may read its page, the incidents written for it and their updates, the
subscribers told of each update, and one notice row per update and subscriber.

Rows change only through `picocore.statuspages.services`. The unique (update, subscriber) notice is what makes
"each subscriber gets each update exactly once" hold through worker retries and repeated publishing."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.statuspages.choices import (
    IncidentImpact,
    IncidentState,
    NoticeStatus,
    SubscriberKind,
    Visibility,
)
from picocore.webhooks.sealing import seal, unseal

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000
ADDRESS_MAX_LENGTH = 2000
EMAIL_MAX_LENGTH = 254


def new_link_salt() -> str:
    return secrets.token_urlsafe(16)


def new_subscriber_token() -> str:
    return secrets.token_urlsafe(32)


class StatusPage(models.Model):
    """One organisation's status page settings. Without a row the page is for its signed-in contacts only.
    `link_salt` is part of the signed link's salt: rotating it revokes every link handed out before."""

    organisation = models.OneToOneField("tenancy.Organisation", on_delete=models.CASCADE, related_name="status_page")
    visibility = models.CharField(
        _("who may read it"), max_length=10, choices=Visibility.choices, default=Visibility.CONTACTS
    )
    link_salt = models.CharField(_("link key"), max_length=40, default=new_link_salt, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("status page")
        verbose_name_plural = _("status pages")

    def __str__(self) -> str:
        return str(self.organisation_id)


class StatusIncident(models.Model):
    """An incident written for an organisation's status page: shown once `published_at` is set (its first
    update), until resolved. A major outage shows as a partial outage until a member of staff confirmed it
    (`confirmed_by`/`confirmed_at`)."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="status_incidents")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    components = models.ManyToManyField("cmdb.Component", blank=True, related_name="status_incidents")
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="status_incidents")
    impact = models.CharField(
        _("impact shown"), max_length=20, choices=IncidentImpact.choices, default=IncidentImpact.PARTIAL_OUTAGE
    )
    state = models.CharField(_("state"), max_length=20, choices=IncidentState.choices,
                             default=IncidentState.INVESTIGATING)  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("written"), default=now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("major outage confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("status incident")
        verbose_name_plural = _("status incidents")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "resolved_at"], name="statusincident_org_resolved")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_active(self) -> bool:
        return self.published_at is not None and self.resolved_at is None

    @property
    def awaits_confirmation(self) -> bool:
        return self.impact == IncidentImpact.MAJOR_OUTAGE and self.confirmed_at is None


class StatusUpdate(models.Model):
    """One published update of an incident: what is known, in the state it puts the incident in. Never changed."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    incident = models.ForeignKey(StatusIncident, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(_("update"))
    state = models.CharField(_("state"), max_length=20, choices=IncidentState.choices)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(_("posted"), default=now)

    class Meta:
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["incident", "-posted_at"], name="statusupdate_incident_posted")]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.posted_at:%Y-%m-%d %H:%M}"


class Subscriber(models.Model):
    """Someone told of every update of an organisation's status page: an e-mail address (confirmed by the link
    sent to it, unless it is the subscribing contact's own) or a webhook URL (a customer admin's, confirmed at
    once, its deliveries signed with `secret`, kept sealed at rest as the webhooks' secrets are). `token` is the
    secret behind the unsubscribe and confirm links."""

    organisation = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="status_subscribers"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SubscriberKind.choices)
    address = models.CharField(_("e-mail address or URL"), max_length=ADDRESS_MAX_LENGTH)
    secret_sealed = models.CharField(_("signing secret (sealed)"), max_length=200, blank=True, editable=False)
    token = models.CharField(max_length=64, unique=True, default=new_subscriber_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("subscribed"), default=now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("status subscriber")
        verbose_name_plural = _("status subscribers")
        ordering = ["kind", "address", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "address"], name="subscriber_unique_address"),
        ]
        indexes = [models.Index(fields=["organisation", "confirmed_at"], name="subscriber_org_confirmed")]

    def __str__(self) -> str:
        return self.address

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def secret(self) -> str:
        """The webhook's signing secret, unsealed ("" for an e-mail subscriber)."""
        return unseal(self.secret_sealed) if self.secret_sealed else ""

    @secret.setter
    def secret(self, plain: str) -> None:
        self.secret_sealed = seal(plain) if plain else ""


class StatusNotice(models.Model):
    """One update for one subscriber: written with the update, sent by the worker. Unique per (update,
    subscriber). `sent_at` is set once it left (handed to the outbox for e-mail, answered 2xx for a webhook), and
    a notice with `sent_at` is never sent again."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)
    update = models.ForeignKey(StatusUpdate, on_delete=models.CASCADE, related_name="notices")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="notices")
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=now)
    claimed_until = models.DateTimeField(_("claimed by a worker until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    outbox_email = models.ForeignKey(
        "outbox.OutboxEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("status notice")
        verbose_name_plural = _("status notices")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["update", "subscriber"], name="statusnotice_once_per_subscriber"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="statusnotice_due", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.update_id} → {self.subscriber_id}"
