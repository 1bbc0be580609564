from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Who may read an organisation's status page."""

    CONTACTS = "contacts", _("Signed-in contacts of the organisation only")
    LINK = "link", _("Also anyone with the signed link")
    PUBLIC = "public", _("Public: anyone")


class ComponentState(models.TextChoices):
    """What a status page says of a component, a solution or the whole landscape."""

    OPERATIONAL = "operational", _("Operational")
    MAINTENANCE = "maintenance", _("Under maintenance")
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")


# Worse is higher: the state of several is the worst of them. Maintenance is planned and announced, so any
# unplanned trouble elsewhere outweighs it.
STATE_RANK = {
    ComponentState.OPERATIONAL: 0,
    ComponentState.MAINTENANCE: 1,
    ComponentState.DEGRADED: 2,
    ComponentState.PARTIAL_OUTAGE: 3,
    ComponentState.MAJOR_OUTAGE: 4,
}


class IncidentImpact(models.TextChoices):
    """How bad an incident written for the status page says it is."""

    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")


class IncidentState(models.TextChoices):
    """Where an incident stands, as each update says."""

    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class SubscriberKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    PARKED = "parked", _("Given up after repeated failures")
    SKIPPED = "skipped", _("Not sent: the subscriber left")
