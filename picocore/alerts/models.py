"""Monitoring alerts: integrations receiving a customer's monitoring, the rules mapping alert labels to the
customer's landscape, every payload as received, and the alerts de-duplicated by fingerprint.

Alerts and their incidents change only through `picocore.alerts.services`. At most one alert per integration and
fingerprint is open (firing or acknowledged) at a time: a partial unique constraint holds it, so a repeat, even a
parallel one, updates the open alert instead of opening a second incident.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.alerts.choices import OPEN_ALERT_STATES, AlertState, OnResolve, PayloadOutcome, SourceKind
from picocore.catalog.choices import Impact, Urgency
from picocore.core.clock import now
from picocore.core.models import TimeStampedModel

FINGERPRINT_MAX_LENGTH = 255


class AlertIntegration(TimeStampedModel):
    """One intake, `/api/v1/alerts/<slug>/`, receiving one monitoring system's payloads.

    Incidents are filed and worked by `service_account` (a member of the service team serving the mapped
    organisation) on behalf of `requester` (a contact of that organisation): whoever's token posted the payload
    only decides whether it may be received, never who the incident is from."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, help_text=_("The last part of the intake URL."))
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_integrations",
        help_text=_("The customer whose monitoring this is; rules without an organisation map to it. Empty: a "
                    "monitoring of the service team's own, for several customers."),
    )  # fmt: skip
    kind = models.CharField(_("source"), max_length=20, choices=SourceKind.choices, default=SourceKind.ALERTMANAGER)
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        help_text=_("The member of the service team who files, notes and resolves the incidents."),
    )  # fmt: skip
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The customer contact the incidents are for; when empty or not a member of the mapped "
                    "organisation, its first customer admin."),
    )  # fmt: skip
    flap_changes = models.PositiveSmallIntegerField(
        _("flapping: state changes"), default=4,
        help_text=_("This many firing/resolved changes of one alert within the minutes below is flapping: the "
                    "incident stays open instead of resolving and reopening."),
    )  # fmt: skip
    flap_minutes = models.PositiveSmallIntegerField(_("flapping: within minutes"), default=30)
    on_resolve = models.CharField(
        _("when an alert clears"), max_length=10, choices=OnResolve.choices, default=OnResolve.RESOLVE
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("An inactive intake refuses payloads."))

    class Meta:
        verbose_name = _("alert integration")
        verbose_name_plural = _("alert integrations")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(flap_changes__gte=2), name="alertintegration_flap_changes_min"),
            models.CheckConstraint(condition=Q(flap_minutes__gte=1), name="alertintegration_flap_minutes_min"),
        ]

    def __str__(self) -> str:
        return self.name


class MappingRule(models.Model):
    """Labels → landscape: when every label in `match` has its value, the alert is for `organisation` (default:
    the integration's), its environment and component, with this impact and urgency (hence the priority and the
    tier's SLA). Rules are tried by `position`; the first matching one wins."""

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    match = models.JSONField(_("labels to match"), default=dict, help_text=_("e.g. customer=acme, severity=critical"))
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    environment = models.ForeignKey("cmdb.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    component = models.ForeignKey("cmdb.Component", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices, default=Impact.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM)

    class Meta:
        verbose_name = _("mapping rule")
        verbose_name_plural = _("mapping rules")
        ordering = ["integration", "position", "id"]

    def __str__(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(self.match.items())) or "*"

    def matches(self, labels: dict[str, str]) -> bool:
        """Every label of the rule has the same value in `labels` (a rule with no labels matches everything)."""
        return all(labels.get(key) == value for key, value in self.match.items())


class RawAlertPayload(models.Model):
    """A payload exactly as it arrived, stored (and committed) before it is parsed, so nothing received is lost;
    `outcome` and `summary` say what became of it."""

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="payloads")
    received_at = models.DateTimeField(_("received"), default=now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("from"), max_length=100, blank=True, help_text=_("e.g. the sender's address"))
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    body = models.BinaryField(_("body"))
    size = models.PositiveIntegerField(_("bytes received"), default=0)
    truncated = models.BooleanField(_("cut to the size limit"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PayloadOutcome.choices, default=PayloadOutcome.RECEIVED
    )
    error = models.TextField(_("why it was rejected"), blank=True)
    summary = models.JSONField(_("what it did"), default=dict, blank=True)

    class Meta:
        verbose_name = _("received alert payload")
        verbose_name_plural = _("received alert payloads")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["integration", "-received_at"], name="alertpayload_integration_recv")]

    def __str__(self) -> str:
        return f"{self.integration_id} @ {self.received_at:%Y-%m-%d %H:%M:%S}"


class Alert(models.Model):
    """One alert of one integration, de-duplicated by `fingerprint`: its repeats raise `occurrences` and
        `last_seen_at`. `organisation` is empty while it waits in triage (no rule mapped its labels); `incident` is
        the ticket it opened (none while in triage or when `suppressed_by` an approved change in its window).
        `state_changes` holds the times it started or stopped firing, read for flapping; `dismissed_at` takes it out of
    triage without an incident."""

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(_("fingerprint"), max_length=FINGERPRINT_MAX_LENGTH)
    state = models.CharField(_("state"), max_length=15, choices=AlertState.choices, default=AlertState.FIRING)
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    environment = models.ForeignKey("cmdb.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="alerts")  # fmt: skip
    component = models.ForeignKey("cmdb.Component", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="alerts")  # fmt: skip
    rule = models.ForeignKey(MappingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    annotations = models.JSONField(_("annotations"), default=dict, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("started"), default=now)
    last_seen_at = models.DateTimeField(_("last seen"), default=now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    state_changes = models.JSONField(_("state changes"), default=list, blank=True)
    flapping = models.BooleanField(_("flapping"), default=False)
    incident = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="alerts")  # fmt: skip
    suppressed_by = models.ForeignKey("changes.Change", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="suppressed_alerts")  # fmt: skip
    triage_reason = models.CharField(_("why it waits in triage"), max_length=500, blank=True)
    dismissed_at = models.DateTimeField(
        _("dismissed"), null=True, blank=True, help_text=_("Taken out of triage by a person: no incident for it.")
    )
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    payload = models.ForeignKey(
        RawAlertPayload, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts",
        help_text=_("The latest payload that carried it."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint"],
                condition=Q(state__in=[s.value for s in OPEN_ALERT_STATES]),
                name="alert_one_open_per_fingerprint",
            ),
            models.CheckConstraint(condition=Q(occurrences__gte=1), name="alert_occurrences_positive"),
        ]
        indexes = [
            models.Index(fields=["integration", "fingerprint", "-id"], name="alert_integration_fingerprint"),
            models.Index(fields=["organisation", "state"], name="alert_org_state"),
            models.Index(fields=["integration", "-last_seen_at"], name="alert_integration_seen"),
        ]

    def __str__(self) -> str:
        return self.summary or self.fingerprint

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ALERT_STATES

    @property
    def in_triage(self) -> bool:
        return self.organisation_id is None and self.suppressed_by_id is None and self.dismissed_at is None
