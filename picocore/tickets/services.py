"""Every change to a ticket goes through these functions: each owns its transaction, validates, writes the
change together with its timeline event, and leaves the ticket consistent if anything fails."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import RequestType
from picocore.catalog.priority import priority_for
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.selectors import contract_in_force
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tickets.attachments import CheckedUpload, check_uploads
from picocore.tickets.choices import Channel, EventKind, Status
from picocore.tickets.keys import allocate_ticket_numbers, ticket_key
from picocore.tickets.models import Attachment, Ticket, TicketEvent
from picocore.tickets.states import allowed_next, is_allowed

# What a customer may do to their own request's status; everything else is the service team's.
CUSTOMER_TRANSITIONS = {(Status.RESOLVED, Status.CLOSED), (Status.RESOLVED, Status.IN_PROGRESS)}


def _record(
    ticket: Ticket, *, kind: str, actor: User | None, public: bool, body: str = "", data: dict | None = None
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        kind=kind,
        public=public,
        actor=actor,
        body=body,
        data=data or {},
        created_at=now(),
    )


def _store_attachments(ticket: Ticket, event: TicketEvent, uploads: list[CheckedUpload], actor: User) -> None:
    for upload in uploads:
        attachment = Attachment(
            ticket=ticket,
            organisation_id=ticket.organisation_id,
            event=event,
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            public=event.public,
            uploaded_by=actor,
            created_at=event.created_at,
        )
        # Saving the file writes it to storage; should the transaction roll back afterwards, the orphan
        # file is harmless (its random path is referenced by no row) and never served.
        attachment.file.save(upload.filename, upload.file, save=False)
        attachment.save()


def owning_team_for(organisation: Organisation) -> Team | None:
    """The operations team that takes new requests of this organisation (the first by name)."""
    return Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation).order_by("name").first()


def _check_offered(request_type: RequestType, organisation: Organisation) -> None:
    contract = contract_in_force(organisation=organisation, on=now().date())
    if contract is None:
        raise PermissionDenied(_("%(org)s has no contract in force.") % {"org": organisation.name})
    if not request_type.active or not contract.tier.request_types.filter(pk=request_type.pk).exists():
        raise ValidationError(
            _("“%(type)s” is not part of the %(tier)s subscription.")
            % {"type": request_type.name, "tier": contract.tier.name},
            field_errors={"request_type": [_("Choose a request type your subscription offers.")]},
        )


def _check_landscape(
    organisation: Organisation, solution: Solution | None, environment: Environment | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if solution is not None and solution.organisation_id != organisation.pk:
        errors["solution"] = [_("Choose one of your organisation's solutions.")]
    if environment is not None:
        if environment.organisation_id != organisation.pk:
            errors["environment"] = [_("Choose one of your organisation's environments.")]
        elif solution is not None and environment.solution_id != solution.pk:
            errors["environment"] = [
                _("%(env)s is not an environment of %(solution)s.") % {"env": environment, "solution": solution}
            ]
    return errors


def ticket_create(
    *,
    actor: User,
    organisation: Organisation,
    request_type: RequestType,
    title: str,
    description: str,
    impact: str,
    urgency: str,
    answers: list[dict[str, Any]] | None = None,
    solution: Solution | None = None,
    environment: Environment | None = None,
    channel: str = Channel.WEB,
    requester: User | None = None,
    files: list | None = None,
) -> Ticket:
    """Create a ticket with the next key of its organisation, its priority from the matrix, the owning
    operations team, the `created` event and any attachments — all or nothing.

    `actor` files the ticket; `requester` (default: the actor) is the customer contact it is for and must
    be a member of `organisation`. Raises ValidationError (nothing saved) or PermissionDenied.
    """
    requester = requester or actor
    if not Membership.objects.filter(user=requester, organisation=organisation).exists():
        raise NotFound(_("No such organisation."))
    if actor != requester and not actor.is_service_staff:
        raise PermissionDenied(_("Only the service team can file a request on someone else's behalf."))
    _check_offered(request_type, organisation)

    errors: dict[str, list[str]] = {}
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = [_("Give the request a short title.")]
    if not description:
        errors["description"] = [_("Describe what you need or what happened.")]
    if impact not in Impact.values:
        errors["impact"] = [_("Choose the impact.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    errors.update(_check_landscape(organisation, solution, environment))
    try:
        uploads = check_uploads(files or [])
    except ValidationError as error:
        errors.update(error.field_errors)
    if errors:
        raise ValidationError(field_errors=errors)

    decision = priority_for(impact, urgency)
    team = owning_team_for(organisation)
    with transaction.atomic():
        prefix, number = allocate_ticket_numbers(organisation.pk)
        created_at = now()
        ticket = Ticket.objects.create(
            organisation=organisation,
            number=number,
            key=ticket_key(prefix, number),
            ticket_type=request_type.ticket_type,
            request_type=request_type,
            title=title[:200],
            description=description,
            answers=answers or [],
            requester=requester,
            solution=solution,
            environment=environment,
            impact=impact,
            urgency=urgency,
            priority=decision.priority,
            priority_reason=decision.reason,
            status=Status.NEW,
            team=team,
            channel=channel,
            created_at=created_at,
            updated_at=created_at,
        )
        event = _record(
            ticket,
            kind=EventKind.CREATED,
            actor=actor,
            public=True,
            body=description,
            data={"priority": decision.priority, "priority_reason": decision.reason, "channel": channel},
        )
        _store_attachments(ticket, event, uploads, actor)
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock: concurrent changes to one ticket queue instead of interleaving."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def ticket_reply(*, actor: User, ticket: Ticket, body: str, files: list | None = None) -> TicketEvent:
    """Add a public reply (with attachments) to the ticket's timeline; files sent without text are recorded
    as `attachment_added`.

    A customer's reply to a ticket that waits on them hands it back to the team (in progress).
    Closed and cancelled tickets take no more replies.
    """
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    uploads: list[CheckedUpload] = []
    try:
        uploads = check_uploads(files or [])
    except ValidationError as error:
        errors.update(error.field_errors)
    if not body and not files:
        errors["body"] = [_("Write a reply or attach a file before sending.")]
    if errors:
        raise ValidationError(field_errors=errors)
    kind = EventKind.PUBLIC_REPLY if body else EventKind.ATTACHMENT_ADDED
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status in (Status.CLOSED, Status.CANCELLED):
            raise InvalidTransition(
                _("%(key)s is %(status)s and takes no more replies; please submit a new request.")
                % {"key": ticket.key, "status": ticket.get_status_display().lower()}
            )
        event = _record(ticket, kind=kind, actor=actor, public=True, body=body)
        _store_attachments(ticket, event, uploads, actor)
        if not actor.is_service_staff and ticket.status == Status.WAITING_ON_CUSTOMER:
            _apply_transition(ticket, to=Status.IN_PROGRESS, actor=actor, note="")
        ticket.updated_at = event.created_at
        ticket.save(update_fields=["status", "updated_at", "resolved_at", "closed_at"])
    return event


def _apply_transition(ticket: Ticket, *, to: Status, actor: User, note: str) -> None:
    before = ticket.status
    moment = now()
    ticket.status = to
    if to == Status.RESOLVED:
        ticket.resolved_at = moment
    elif to == Status.CLOSED:
        ticket.closed_at = moment
    elif before == Status.RESOLVED:
        ticket.resolved_at = None
    _record(
        ticket,
        kind=EventKind.STATUS_CHANGED,
        actor=actor,
        public=True,
        body=note,
        data={"field": "status", "before": before, "after": to},
    )


def ticket_transition(*, actor: User, ticket: Ticket, to: str, note: str = "") -> Ticket:
    """Move the ticket to status `to` if the lifecycle allows it from its current status.

    Raises InvalidTransition listing the allowed statuses otherwise. Customers may only confirm or reopen a
    resolution; resolving needs a public resolution note. Runs under the ticket's row lock, so of two
    concurrent transitions the second sees the first's result.
    """
    target = Status(to)
    note = (note or "").strip()
    with transaction.atomic():
        ticket = _locked(ticket)
        current = Status(ticket.status)
        if not is_allowed(current, target):
            allowed = allowed_next(current)
            names = ", ".join(str(s.label).lower() for s in allowed) or _("none: this ticket is finished")
            raise InvalidTransition(
                _("%(key)s is %(current)s and cannot become %(target)s. Allowed next: %(allowed)s.")
                % {
                    "key": ticket.key,
                    "current": current.label.lower(),
                    "target": target.label.lower(),
                    "allowed": names,
                },
                allowed=tuple(allowed),
            )
        if not actor.is_service_staff and (current, target) not in CUSTOMER_TRANSITIONS:
            raise PermissionDenied(_("Only the service team can make this change."))
        if target == Status.RESOLVED and not note:
            raise ValidationError(field_errors={"note": [_("Resolving needs a resolution note for the customer.")]})
        _apply_transition(ticket, to=target, actor=actor, note=note)
        ticket.updated_at = now()
        ticket.save(update_fields=["status", "updated_at", "resolved_at", "closed_at"])
    return ticket


def ticket_confirm_resolution(*, actor: User, ticket: Ticket) -> Ticket:
    """The customer agrees the request is done: resolved → closed."""
    return ticket_transition(actor=actor, ticket=ticket, to=Status.CLOSED, note="")


def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """The customer says the resolution did not solve it: resolved → in progress, with their reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(field_errors={"reason": [_("Tell us what is still wrong so we can pick it up.")]})
    return ticket_transition(actor=actor, ticket=ticket, to=Status.IN_PROGRESS, note=reason)


def ticket_assign(*, actor: User, ticket: Ticket, team: Team | None, assignee: User | None) -> Ticket:
    """Give the ticket an owning team and (optionally) consultant, recording who changed it from what.

    Only operations teams own operational tickets; the assignee must belong to the team.
    """
    if not actor.is_service_staff:
        raise PermissionDenied(_("Only the service team assigns requests."))
    if team is not None and team.kind != TeamKind.OPERATIONS:
        raise ValidationError(field_errors={"team": [_("Only an operations team can own a customer request.")]})
    if assignee is not None and (team is None or not team.members.filter(pk=assignee.pk).exists()):
        raise ValidationError(field_errors={"assignee": [_("The consultant must be a member of the team.")]})
    with transaction.atomic():
        ticket = _locked(ticket)
        before = {"team": ticket.team_id, "assignee": ticket.assignee_id}
        after = {"team": team.pk if team else None, "assignee": assignee.pk if assignee else None}
        if before == after:
            return ticket
        ticket.team, ticket.assignee, ticket.updated_at = team, assignee, now()
        ticket.save(update_fields=["team", "assignee", "updated_at"])
        _record(
            ticket,
            kind=EventKind.FIELD_CHANGED,
            actor=actor,
            public=True,
            data={"field": "owner", "before": before, "after": after, "after_label": _owner_label(team, assignee)},
        )
    return ticket


def _owner_label(team: Team | None, assignee: User | None) -> str:
    return ", ".join(str(part) for part in (assignee, team) if part is not None)


def ticket_set_next_step(*, actor: User, ticket: Ticket, text: str, due: dt.date | None) -> Ticket:
    """Set the customer-visible next step and its expected date, recording before and after."""
    if not actor.is_service_staff:
        raise PermissionDenied(_("Only the service team sets the next step."))
    text = (text or "").strip()
    with transaction.atomic():
        ticket = _locked(ticket)
        before = {"next_step": ticket.next_step, "next_step_due": ticket.next_step_due}
        after = {"next_step": text, "next_step_due": due}
        if before == after:
            return ticket
        ticket.next_step, ticket.next_step_due, ticket.updated_at = text, due, now()
        ticket.save(update_fields=["next_step", "next_step_due", "updated_at"])
        _record(
            ticket,
            kind=EventKind.FIELD_CHANGED,
            actor=actor,
            public=True,
            data={
                "field": "next_step",
                "before": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in before.items()},
                "after": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in after.items()},
            },
        )
    return ticket
