"""Creating tickets: from the portal, by phone, by e-mail or through the API — one path for all."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import RequestType
from picocore.catalog.priority import PriorityDecision, priority_for
from picocore.catalog.selectors import Offer
from picocore.cmdb.models import Component, Environment, Solution
from picocore.contracts.models import Contract
from picocore.contracts.selectors import contract_in_force
from picocore.core import reference
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.inserts import insert
from picocore.core.models import max_length_of
from picocore.core.text import one_line, truncate, without_nul
from picocore.notifications.dispatch import dispatch_later
from picocore.sla.services import Start, sla_start, sla_start_save
from picocore.tenancy.choices import RequestVisibility, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tenancy.scope import serves
from picocore.tickets.attachments import check_uploads
from picocore.tickets.choices import Channel, Status
from picocore.tickets.keys import allocate_ticket_numbers, ticket_key
from picocore.tickets.models import Submission, Ticket, TicketEvent
from picocore.tickets.permissions import may_file_in
from picocore.tickets.services.common import record, store_attachments
from picocore.tickets.submissions import clean_token, submission_get
from picocore.tickets.timeline import Created

TITLE_MAX_LENGTH = max_length_of(Ticket, "title")


def owning_team_for(organisation: Organisation) -> Team | None:
    """The operations team that takes new requests of this organisation (the first by name), kept per process
    while the reference data is unchanged (`reference.cached`): shared, never change it."""
    return reference.cached("tickets.owning_team", _owning_team, organisation.pk)


def _owning_team(organisation_id: int) -> Team | None:
    return Team.objects.filter(kind=TeamKind.OPERATIONS, organisations=organisation_id).order_by("name").first()


def _check_offered(request_type: RequestType, organisation: Organisation, offer: Offer | None) -> Contract:
    """The contract in force that offers the request type: the caller's `offer` when it is this organisation's
    offer of this very type (the catalogue's selector read and checked both in this request), else read now."""
    if (
        offer is not None
        and offer.request_type.pk == request_type.pk
        and offer.contract.organisation_id == organisation.pk
        and offer.request_type.active
    ):
        return offer.contract
    contract = contract_in_force(organisation=organisation)
    if contract is None:
        raise PermissionDenied(_("%(org)s has no contract in force.") % {"org": organisation.name})
    if not request_type.active or not contract.tier.request_types.filter(pk=request_type.pk).exists():
        raise ValidationError(
            _("“%(type)s” is not part of the %(tier)s subscription.")
            % {"type": request_type.name, "tier": contract.tier.name},
            field_errors={"request_type": [_("Choose a request type your subscription offers.")]},
        )
    return contract


def _check_landscape(
    organisation: Organisation,
    solution: Solution | None,
    environment: Environment | None,
    component: Component | None = None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if component is not None:
        if component.organisation_id != organisation.pk:
            errors["component"] = [_("Choose one of your organisation's components.")]
        elif environment is not None and component.environment_id != environment.pk:
            errors["component"] = [
                _("%(component)s is not part of %(env)s.") % {"component": component.name, "env": environment}
            ]
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
    component: Component | None = None,
    channel: str = Channel.WEB,
    requester: User | None = None,
    files: list[UploadedFile[bytes]] | None = None,
    inbound: int | None = None,
    submission: str = "",
    offer: Offer | None = None,
    membership: Membership | None = None,
    shared: bool = False,
) -> Ticket:
    """Create a ticket with the next key of its organisation, its priority from the matrix, the owning
    operations team, the `created` event and any attachments — all or nothing.

    `actor` files the ticket; `requester` (default: the actor) is the customer contact it is for and must
    be a member of `organisation`. The title is put on one line and cut to fit; NUL is removed from every text.
    `inbound` is the id of the e-mail the request came in by, kept on the `created` entry. `submission` is the token
    of the form that was posted: the same token again (even in parallel) returns the ticket the first made
    instead of a second one. Only a member for themselves, or the service team serving the organisation for
    one of its members, may file (`picocore.tickets.permissions.may_file_in`). Raises ValidationError (nothing
    saved), PermissionDenied, or NotFound for an organisation the actor cannot file in at all.

    What the caller has read and checked in the same request is not read again: `offer` (the catalogue's
    `offer_get`: the type and the contract in force offering it) and `membership` (the requester's membership of
    the organisation). Access is still decided here (`may_file_in`), with them.

    `shared` shares the request with its organisation from the start, where the organisation shows its requesters
    their own and shared requests (elsewhere it is ignored: nobody would see it otherwise).

    Everything the customer sees at once (the ticket, its key, its `created` event, its SLA clocks) is written in
    one transaction, with the row of the task that notifies the team and sends the receipt
    (`picocore.notifications.dispatch.dispatch_later`).
    """
    token = clean_token(submission)
    if token and files:
        # Files are stored before the commit: a repeat of a committed post must not store them again.
        earlier = submission_get(actor=actor, token=token)
        if earlier is not None:
            return _result_of(earlier)
    requester = requester or actor
    if not may_file_in(actor, organisation, requester=requester, membership=membership):
        if actor != requester and Membership.objects.filter(user=actor, organisation=organisation).exists():
            raise PermissionDenied(_("Only the service team can file a request on someone else's behalf."))
        is_member = Membership.objects.filter(user=requester, organisation=organisation).exists()
        if actor != requester and is_member and serves(actor, organisation.pk):
            raise PermissionDenied(
                _("%(name)s reads %(org)s's requests but does not file them: file it for another of its people.")
                % {"name": requester, "org": organisation.name}
            )
        if actor == requester and actor.is_active and is_member:
            raise PermissionDenied(
                _("Your role in %(org)s lets you read its requests, not file them; ask its customer admin.")
                % {"org": organisation.name}
            )
        raise NotFound(_("No such organisation."))
    contract = _check_offered(request_type, organisation, offer)

    errors: dict[str, list[str]] = {}
    # Whatever the interface: the title is one line (it becomes e-mail subjects) that fits its column, and no
    # text holds NUL (PostgreSQL refuses it).
    title = truncate(one_line(title or ""), TITLE_MAX_LENGTH)
    description = without_nul(description or "").strip()
    if not title:
        errors["title"] = [_("Give the request a short title.")]
    if not description:
        errors["description"] = [_("Describe what you need or what happened.")]
    if impact not in Impact.values:
        errors["impact"] = [_("Choose the impact.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    errors.update(_check_landscape(organisation, solution, environment, component))
    uploads = []
    try:
        uploads = check_uploads(files or [])
    except ValidationError as error:
        errors.update(error.field_errors)
    if errors:
        raise ValidationError(field_errors=errors)

    decision = priority_for(impact, urgency)
    team = owning_team_for(organisation)
    answers = [_answer_without_nul(answer) for answer in answers or []]
    ticket, created, start = _prepare(
        actor=actor,
        organisation=organisation,
        request_type=request_type,
        fields={
            "title": title,
            "description": description,
            "answers": answers,
            "requester": requester,
            "solution": solution,
            "environment": environment,
            "component": component,
            "impact": impact,
            "urgency": urgency,
            "team": team,
            "channel": channel,
            "shared": bool(shared) and organisation.request_visibility == RequestVisibility.OWN_AND_SHARED,
        },
        decision=decision,
        inbound=inbound,
        contract=contract,
    )
    try:
        with transaction.atomic():
            event = _write(ticket, created, start, actor=actor)
            if token:
                # Unique per (actor, token): a repeat of this post, even a parallel one (it waits for the first to
                # commit), fails here and rolls back all it wrote, then returns what the first created.
                insert(Submission(actor=actor, token=token, ticket=ticket, event=event))
            store_attachments(ticket, event, uploads, actor)
            # The team's notices and the requester's receipt: a task whose row commits with the ticket.
            dispatch_later(event)
    except IntegrityError:
        earlier = submission_get(actor=actor, token=token)
        if earlier is None:
            raise
        return _result_of(earlier)
    return ticket


def _prepare(
    *,
    actor: User,
    organisation: Organisation,
    request_type: RequestType,
    fields: dict[str, Any],
    decision: PriorityDecision,
    inbound: int | None,
    contract: Contract,
) -> tuple[Ticket, TicketEvent, Start | None]:
    """The ticket and its `created` event, not saved yet, with the SLA clocks it starts under `contract` (in
    force now) and its deadlines: everything that needs no lock, read before the transaction takes one."""
    created_at = now()
    ticket = Ticket(
        organisation=organisation,
        ticket_type=request_type.ticket_type,
        request_type=request_type,
        priority=decision.priority,
        priority_reason=decision.reason,
        status=Status.NEW,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )
    entry = Created(
        channel=fields["channel"], inbound=inbound, priority=decision.priority, priority_reason=decision.reason
    )
    created = TicketEvent(ticket=ticket, kind=entry.kind, public=entry.public, actor=actor, body=fields["description"],
                          data=entry.to_data(), created_at=created_at)  # fmt: skip
    return ticket, created, sla_start(ticket=ticket, created=created, contract=contract)


def _write(ticket: Ticket, created: TicketEvent, start: Start | None, *, actor: User) -> TicketEvent:
    """Inside the creating transaction: the ticket with the next key of its organisation, its `created` event and
    its clocks. The organisation's counter stays locked from here to the commit, so only writes follow it."""
    prefix, ticket.number = allocate_ticket_numbers(ticket.organisation_id)
    ticket.key = ticket_key(prefix, ticket.number)
    insert(ticket)
    event = record(
        ticket,
        created.entry,
        actor=actor,
        body=created.body,
        at=created.created_at,
        notify_now=False,
        recompute_sla=start is None,
    )
    if start is not None:
        sla_start_save(start, ticket=ticket)
    return event


def _result_of(submission: Submission | None) -> Ticket:
    """What an earlier post of the same form created: its ticket, or the ticket its event is on."""
    if submission is not None:
        if submission.ticket is not None:
            return submission.ticket
        if submission.event is not None:
            return submission.event.ticket
    raise LookupError("The earlier submission of this form created nothing.")


def _answer_without_nul(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: without_nul(value) if isinstance(value, str) else value for key, value in answer.items()}
