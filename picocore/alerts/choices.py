from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    """The monitoring system an integration receives from, i.e. the payload format its intake parses."""

    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager (webhook version 4)")
    PAGERDUTY = "pagerduty", _("PagerDuty Events API v2")
    GENERIC = "generic", _("Generic JSON")


class OnResolve(models.TextChoices):
    """What a cleared alert does to its open incident."""

    RESOLVE = "resolve", _("Resolve the incident")
    NOTE = "note", _("Add a note only")


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


OPEN_ALERT_STATES = (AlertState.FIRING, AlertState.ACKNOWLEDGED)


class PayloadOutcome(models.TextChoices):
    """What became of one received payload: stored first (received), then processed or rejected."""

    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected")


class Disposition(models.TextChoices):
    """What one alert of a payload did, counted in the intake's answer."""

    CREATED = "created", _("Incident created")
    UPDATED = "updated", _("Repeat counted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    SUPPRESSED = "suppressed", _("Suppressed by a change window")
    TRIAGED = "triaged", _("Sent to triage")
    IGNORED = "ignored", _("Nothing to do")
