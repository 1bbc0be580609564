"""The triage queue: alerts no rule mapped (or whose incident could not be filed) wait for a person, who maps
each to an organisation — filing its incident — or dismisses it. Both under the alert's row lock, so two people
acting at once file one incident."""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.alerts.choices import Disposition
from picocore.alerts.models import Alert
from picocore.alerts.permissions import alerts_visible, can_map_to
from picocore.alerts.services.incidents import file_incident, suppressing_change
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, ValidationError
from picocore.tenancy.models import User


def _triaged(actor: User, alert_id: int) -> Alert:
    alert = (
        alerts_visible(Alert.objects.select_for_update(of=("self",)), actor)
        .select_related("integration__service_account", "integration__requester")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert."))
    if not alert.in_triage:
        raise InvalidTransition(_("This alert no longer waits in triage."))
    return alert


def alert_map(
    *,
    actor: User,
    alert_id: int,
    organisation_id: int,
    component_id: int | None = None,
    impact: str = Impact.MEDIUM,
    urgency: str = Urgency.MEDIUM,
) -> str:
    """Map a triaged alert to an organisation the actor serves (and optionally one of its components): an open
    alert files its incident (or is suppressed by an approved change in its window); a cleared one is recorded
    as that organisation's with no incident. Returns the `Disposition`. If the incident cannot be filed, nothing
    changes and the reason is a ValidationError."""
    with transaction.atomic():
        alert = _triaged(actor, alert_id)
        if not can_map_to(actor, alert, organisation_id):
            raise ValidationError(field_errors={"organisation": [_("Choose an organisation you serve.")]})
        if impact not in Impact.values or urgency not in Urgency.values:
            raise ValidationError(field_errors={"impact": [_("Choose the impact and the urgency.")]})
        component = None
        if component_id is not None:
            component = Component.objects.select_related("environment__solution").filter(pk=component_id).first()
            if component is None or component.organisation_id != organisation_id:
                raise ValidationError(field_errors={"component": [_("Choose a component of that organisation.")]})
        alert.component = component
        alert.environment = component.environment if component is not None else None
        alert.impact, alert.urgency = impact, urgency
        if not alert.is_open:
            alert.organisation_id = organisation_id
            alert.triage_reason = ""
            alert.save()
            return Disposition.RESOLVED
        change = suppressing_change(component_id, now())
        if change is not None:
            alert.organisation_id, alert.suppressed_by, alert.triage_reason = organisation_id, change, ""
            alert.save()
            return Disposition.SUPPRESSED
        ticket, reason = file_incident(
            integration=alert.integration,
            alert=alert,
            organisation_id=organisation_id,
            note=_("Mapped from triage by %(person)s.") % {"person": actor.full_name},
        )
        if ticket is None:
            raise ValidationError(reason)
        alert.organisation_id, alert.incident, alert.triage_reason = organisation_id, ticket, ""
        alert.save()
    return Disposition.CREATED


def alert_dismiss(*, actor: User, alert_id: int) -> Alert:
    """Take a triaged alert out of the queue without an incident; its repeats keep counting on it, and a later
    firing after it cleared waits in triage anew."""
    with transaction.atomic():
        alert = _triaged(actor, alert_id)
        alert.dismissed_at = now()
        alert.dismissed_by = actor
        alert.save(update_fields=["dismissed_at", "dismissed_by"])
    return alert
