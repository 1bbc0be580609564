"""Making a change record: blank (normal or emergency), from a standard-change template offered to the
customer's tier (its plans and duration copied; no approval needed), or from a change request ticket (the
request becomes a change record linked to the ticket; the conversation with the customer stays on the ticket).

Guarantees: only staff serving the organisation make its changes; numbers are unique across the installation
(`CHG-<n>`); the change, its first history entry and its audit entry are written in one transaction.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import diff, snapshot
from picocore.catalog.choices import TicketType
from picocore.changes import permissions
from picocore.changes.choices import ChangeEventKind, ChangeType
from picocore.changes.models import Change, StandardChangeTemplate
from picocore.changes.services.common import TEXT_MAX, TITLE_MAX, clean_text, raise_if, reassess, record
from picocore.contracts.selectors import contract_in_force
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import can_see

NUMBER_ATTEMPTS = 5


def offered_templates(organisation: Organisation) -> list[StandardChangeTemplate]:
    """The active standard changes offered to the tier of the organisation's contract in force."""
    contract = contract_in_force(organisation=organisation)
    if contract is None:
        return []
    return list(StandardChangeTemplate.objects.filter(active=True, tiers=contract.tier_id).order_by("name"))


def _organisation(actor: User, organisation_id: object) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first() if isinstance(organisation_id, int) else None
    if organisation is None or not permissions.can_read(actor, organisation.pk):
        raise NotFound(_("There is no such customer, or it is not yours to see."))
    if not permissions.can_plan(actor, organisation.pk):
        raise PermissionDenied(_("Only the service team serving this customer plans its changes."))
    return organisation


def _implementer(errors: dict[str, list[str]], organisation_id: int, implementer_id: int | None) -> User | None:
    if implementer_id is None:
        return None
    user = User.objects.filter(pk=implementer_id, is_active=True).first() if isinstance(implementer_id, int) else None
    if user is None or not permissions.may_implement(user, organisation_id):
        errors["implementer"] = [_("Choose an implementer from the service team serving this customer.")]
        return None
    return user


def _save_numbered(change: Change) -> None:
    """Save the new change with the next number; two at once retry on the unique number."""
    for attempt in range(NUMBER_ATTEMPTS):
        change.number = (Change.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                change.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            change.pk = None


def change_create(
    *,
    actor: User,
    organisation_id: int,
    change_type: str,
    title: str,
    reason: str,
    template_id: int | None = None,
    implementer_id: int | None = None,
    ticket: Ticket | None = None,
) -> Change:
    """A new draft change of the organisation. A standard change names a template offered to the contract's
    tier and takes its plans and duration; a normal or emergency one starts blank."""
    organisation = _organisation(actor, organisation_id)
    errors: dict[str, list[str]] = {}
    if change_type not in ChangeType.values:
        errors["change_type"] = [_("Choose standard, normal or emergency.")]
    title = clean_text(errors, "title", title, limit=TITLE_MAX, required=True, label=_("the title"))
    reason = clean_text(errors, "reason", reason, limit=TEXT_MAX, required=True, label=_("the reason"))
    template = None
    if change_type == ChangeType.STANDARD:
        template = next((t for t in offered_templates(organisation) if t.pk == template_id), None)
        if template is None:
            errors["template"] = [_("Choose a standard change offered to this customer's tier.")]
    elif template_id is not None:
        errors["template"] = [_("Only a standard change is made from a template.")]
    implementer = _implementer(errors, organisation.pk, implementer_id)
    raise_if(errors)
    change = Change(
        organisation=organisation, change_type=change_type, title=title, reason=reason, requested_by=actor,
        implementer=implementer, ticket=ticket, template=template,
    )  # fmt: skip
    if template is not None:
        change.implementation_plan, change.test_plan = template.implementation_plan, template.test_plan
        change.backout_plan, change.downtime_minutes = template.backout_plan, template.downtime_minutes
    with transaction.atomic():
        reassess(change, components=[])
        _save_numbered(change)
        data = {"type": change_type, "template": template.name if template else None,
                "ticket": ticket.key if ticket else None}  # fmt: skip
        record(change, actor=actor, kind=ChangeEventKind.CREATED, data=data, action=AuditAction.CREATED,
               changes=diff({}, snapshot(change)))  # fmt: skip
    return change


def template_duration(change: Change) -> dt.timedelta | None:
    """How long a change made from a template is planned to take."""
    return dt.timedelta(minutes=change.template.duration_minutes) if change.template else None


def change_from_ticket(*, actor: User, ticket_id: int, change_type: str = ChangeType.NORMAL) -> Change:
    """The change record of a change request ticket: its title and description become the change's title and
    reason, linked to the ticket, where the customer conversation stays. A ticket that has one already returns
    it (a double click makes one change)."""
    if not isinstance(ticket_id, int):
        raise NotFound(_("There is no ticket with that key, or it is not yours to see."))
    ticket = Ticket.objects.select_related("organisation").filter(pk=ticket_id).first()
    if ticket is None or not can_see(actor, ticket) or not permissions.can_read(actor, ticket.organisation_id):
        raise NotFound(_("There is no ticket with that key, or it is not yours to see."))
    if ticket.ticket_type != TicketType.CHANGE_REQUEST:
        raise ValidationError(_("Only a change request becomes a change record."))
    if change_type == ChangeType.STANDARD:
        raise ValidationError(_("A change request becomes a normal or an emergency change."))
    with transaction.atomic():
        # Lock the ticket so that two clicks at once make one change.
        Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
        existing = Change.objects.filter(ticket=ticket).order_by("id").first()
        if existing is not None:
            return existing
        description = ticket.description.strip() or ticket.title
        return change_create(
            actor=actor, organisation_id=ticket.organisation_id, change_type=change_type,
            title=ticket.title[:TITLE_MAX], reason=description[:TEXT_MAX], ticket=ticket,
        )  # fmt: skip
