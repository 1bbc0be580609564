"""What an alert does to its incident, always through the tickets' own services (so their access checks, timeline
and SLA rules hold), as the integration's service account. A refusal by those services (the service account no
longer serves the customer, the contract ended) is returned or logged, never lost silently."""

import datetime as dt
import logging

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from picocore.alerts.models import Alert, AlertIntegration
from picocore.catalog.choices import TicketType
from picocore.catalog.models import RequestType
from picocore.catalog.selectors import offered_request_types
from picocore.changes import states as change_states
from picocore.changes.models import Change
from picocore.core.errors import PicoCoreError
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.roles import Capability, may, roles_with
from picocore.tickets.choices import OPEN_STATUSES, Channel, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_add_note, ticket_create, ticket_transition

logger = logging.getLogger(__name__)


def suppressing_change(component_id: int | None, moment: dt.datetime) -> Change | None:
    """The approved change (scheduled or under way) affecting the component whose planned window holds `moment`,
    the earliest if several; None without a component."""
    if component_id is None:
        return None
    return (
        Change.objects.filter(
            status__in=sorted(change_states.PLANNED),
            affected__component_id=component_id,
            planned_start__lte=moment,
            planned_end__gt=moment,
        )
        .order_by("planned_start", "id")
        .first()
    )


def _requester(integration: AlertIntegration, organisation_id: int) -> User | None:
    """The integration's requester when they are a member of the organisation whose role files requests, else its
    first customer admin (`picocore.tenancy.roles.Capability.HEAR_INCIDENTS`)."""
    if integration.requester_id is not None:
        role = (
            Membership.objects.filter(user_id=integration.requester_id, organisation_id=organisation_id)
            .values_list("role", flat=True)
            .first()
        )
        if may(role, Capability.SUBMIT) and integration.requester is not None and integration.requester.is_active:
            return integration.requester
    membership = (
        Membership.objects.filter(
            organisation_id=organisation_id, role__in=roles_with(Capability.HEAR_INCIDENTS), user__is_active=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership is not None else None


def _incident_type(organisation: Organisation) -> RequestType | None:
    """The first incident request type (in catalogue order) the organisation's contract in force offers."""
    return offered_request_types(organisation=organisation).filter(ticket_type=TicketType.INCIDENT).first()


def describe(alert: Alert, integration: AlertIntegration) -> str:
    """The incident's description: what the monitoring said, as the customer's own monitoring said it."""
    lines = [alert.summary or alert.fingerprint, ""]
    lines.append(
        _("Reported by %(integration)s, firing since %(time)s.")
        % {"integration": integration.name, "time": formats.date_format(timezone.localtime(alert.starts_at),
                                                                         "DATETIME_FORMAT")}
    )  # fmt: skip
    if alert.labels:
        lines += ["", _("Labels:")] + [f"  {key}={value}" for key, value in sorted(alert.labels.items())]
    if alert.annotations:
        lines += ["", _("Annotations:")] + [f"  {key}: {value}" for key, value in sorted(alert.annotations.items())]
    lines += ["", _("Fingerprint: %(fingerprint)s") % {"fingerprint": alert.fingerprint}]
    return "\n".join(lines)


def file_incident(
    *, integration: AlertIntegration, alert: Alert, organisation_id: int, note: str = ""
) -> tuple[Ticket | None, str]:
    """File the alert's incident in the organisation (the alert's environment, component, impact and urgency;
    the tier's SLA follows from them) by the service account for the requester. (ticket, "") or (None, why not)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return None, _("The organisation no longer exists.")
    requester = _requester(integration, organisation_id)
    if requester is None:
        return None, _("%(org)s has no customer admin to file the incident for.") % {"org": organisation.name}
    request_type = _incident_type(organisation)
    if request_type is None:
        return None, _("%(org)s's contract offers no incident request type.") % {"org": organisation.name}
    environment = alert.environment
    component = alert.component
    try:
        ticket = ticket_create(
            actor=integration.service_account,
            organisation=organisation,
            request_type=request_type,
            title=alert.summary or alert.fingerprint,
            description=describe(alert, integration) + (f"\n\n{note}" if note else ""),
            impact=alert.impact or request_type.default_impact,
            urgency=alert.urgency or request_type.default_urgency,
            solution=environment.solution if environment is not None else None,
            environment=environment,
            component=component,
            channel=Channel.API,
            requester=requester,
        )
    except PicoCoreError as error:
        return None, _("The incident could not be filed: %(reason)s") % {"reason": _error_text(error)}
    return ticket, ""


def _error_text(error: PicoCoreError) -> str:
    fields = getattr(error, "field_errors", None) or {}
    parts = [message for messages in fields.values() for message in messages]
    return " ".join(parts) or error.message


def note_incident(*, actor: User, incident: Ticket, body: str) -> None:
    """An internal note on the incident; a refusal (the service account lost access) is logged."""
    try:
        with transaction.atomic():
            ticket_add_note(actor=actor, ticket=incident, body=body)
    except PicoCoreError as error:
        logger.warning("alert note on %s refused: %s", incident.key, error.message)


def resolve_incident(*, actor: User, incident: Ticket, note: str) -> None:
    """Resolve the open incident with a public resolution note (through in progress from new or triaged, as the
    lifecycle requires); an incident already resolved, closed or cancelled is left as it is."""
    try:
        with transaction.atomic():
            current = Ticket.objects.select_for_update().get(pk=incident.pk)
            if current.status not in OPEN_STATUSES:
                return
            if current.status in (Status.NEW, Status.TRIAGED):
                current = ticket_transition(actor=actor, ticket=current, to=Status.IN_PROGRESS)
            ticket_transition(actor=actor, ticket=current, to=Status.RESOLVED, note=note)
    except PicoCoreError as error:
        logger.warning("alert resolution of %s refused: %s", incident.key, error.message)


def reopen_incident(*, actor: User, incident: Ticket, note: str) -> None:
    """Reopen the incident the alert resolved (resolved → in progress), with the note saying why."""
    try:
        with transaction.atomic():
            ticket_transition(actor=actor, ticket=incident, to=Status.IN_PROGRESS, note=note,
                              expected_status=Status.RESOLVED)  # fmt: skip
    except PicoCoreError as error:
        logger.warning("alert reopening of %s refused: %s", incident.key, error.message)
