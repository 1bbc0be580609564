"""Status changes: the one guarded path through the lifecycle in `picocore.tickets.states`."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from picocore.contracts.models import Contract, Tier
from picocore.contracts.selectors import contract_in_force
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, PermissionDenied, ValidationError
from picocore.core.models import max_length_of
from picocore.core.text import truncate
from picocore.tenancy.models import User
from picocore.tickets.choices import Audience, Status, status_label
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import CUSTOMER_TRANSITIONS, authorize, can_see, can_transition
from picocore.tickets.services.common import change_next_step, locked, record, touch
from picocore.tickets.states import allowed_next, is_allowed
from picocore.tickets.timeline import StatusChanged

# Used for an organisation without a contract in force (the tier's own defaults).
DEFAULT_REOPEN_WINDOW_DAYS = Tier._meta.get_field("reopen_window_days").default
DEFAULT_AUTO_CLOSE_DAYS = Tier._meta.get_field("auto_close_after_days").default
NEXT_STEP_MAX_LENGTH = max_length_of(Ticket, "next_step")


def reopen_window_end(ticket: Ticket, contract: Contract | None) -> dt.datetime | None:
    """Until when the customer may reopen this resolved ticket under `contract` (the one in force when it was
    resolved); None if it is not resolved."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    days = contract.tier.reopen_window_days if contract else DEFAULT_REOPEN_WINDOW_DAYS
    return ticket.resolved_at + dt.timedelta(days=days)


def reopen_deadline(ticket: Ticket) -> dt.datetime | None:
    """Until when the customer may reopen this resolved ticket; None if it is not resolved."""
    if ticket.status != Status.RESOLVED or ticket.resolved_at is None:
        return None
    return reopen_window_end(ticket, contract_in_force(organisation=ticket.organisation, at=ticket.resolved_at))


def apply_transition(
    ticket: Ticket,
    *,
    to: Status,
    actor: User | None,
    note: str,
    automatic: bool = False,
    merged_into: str = "",
) -> None:
    """Set the status and its timestamps on a locked ticket and record the change (caller saves)."""
    before = ticket.status
    moment = now()
    ticket.status = to
    if to == Status.RESOLVED:
        ticket.resolved_at = moment
    elif to in (Status.CLOSED, Status.CANCELLED):
        ticket.closed_at = moment
    elif before == Status.RESOLVED:
        ticket.resolved_at = None
    # The next step changes first, so that the status change stays the latest entry of the timeline.
    _follow_status_with_next_step(ticket, before=Status(before), actor=actor)
    record(
        ticket,
        StatusChanged(before=before, after=to, automatic=automatic, merged_into=merged_into),
        actor=actor,
        body=note,
    )


def next_step_after(ticket: Ticket, *, before: Status) -> tuple[str, dt.date | None] | None:
    """What the next step becomes when the ticket has just moved from `before` to its status, or None when
    the move leaves it as it is: resolved asks the customer to confirm or reopen within the reopen window;
    closed or cancelled leaves nothing to do; leaving resolved (reopened) drops the confirmation step."""
    if ticket.status == Status.RESOLVED:
        end = reopen_deadline(ticket)
        days = (end - ticket.resolved_at).days if end is not None and ticket.resolved_at is not None else 0
        text = ngettext(
            "Confirm the resolution or reopen the request within %(days)s day.",
            "Confirm the resolution or reopen the request within %(days)s days.",
            days,
        ) % {"days": days}
        return truncate(text, NEXT_STEP_MAX_LENGTH), timezone.localdate(end) if end is not None else None
    if ticket.status in (Status.CLOSED, Status.CANCELLED) or before == Status.RESOLVED:
        return "", None
    return None


def _follow_status_with_next_step(ticket: Ticket, *, before: Status, actor: User | None) -> None:
    # The status change already tells the customer; the next step's own notice would say it twice.
    replacement = next_step_after(ticket, before=before)
    if replacement is not None:
        change_next_step(ticket, actor=actor, text=replacement[0], due=replacement[1], with_status=True)


# What a transition changes on the ticket: callers of `apply_transition` save these.
TRANSITION_FIELDS = ("status", "resolved_at", "closed_at", "next_step", "next_step_due")


def _refuse(ticket: Ticket, current: Status, target: Status, audience: str) -> InvalidTransition:
    """The lifecycle's refusal in `audience`'s words (the desk's "waiting on customer", the customer's
    "waiting on you"), naming the statuses allowed next."""

    def name(status: Status) -> str:
        return status_label(status, audience).lower()

    allowed = allowed_next(current)
    names = ", ".join(name(s) for s in allowed) or _("none: this ticket is finished")
    return InvalidTransition(
        _("%(key)s is %(current)s and cannot become %(target)s. Allowed next: %(allowed)s.")
        % {"key": ticket.key, "current": name(current), "target": name(target), "allowed": names},
        allowed=tuple(allowed),
    )


def ticket_transition(
    *,
    actor: User,
    ticket: Ticket,
    to: str,
    note: str = "",
    expected_status: str | None = None,
    note_required: tuple[str, str] | None = None,
) -> Ticket:
    """Move the ticket to status `to` if the lifecycle allows it from its current status.

    Raises InvalidTransition listing the allowed statuses otherwise, and also when `expected_status` (what
    the actor saw) no longer matches: of two people changing one ticket at once, the first wins and the
    second is told what happened. Customers may only confirm or reopen a resolution, within the reopen
    window; resolving needs a public resolution note, and `note_required` = (field, message) demands a note
    for other moves — checked only once the move itself is allowed. Runs under the ticket's row lock. Anyone
    who may not see the ticket gets NotFound, before anything about it is said.
    """
    access = authorize(actor, ticket, can_see, "")
    target = Status(to)
    note = (note or "").strip()
    with transaction.atomic():
        ticket = locked(ticket)
        current = Status(ticket.status)
        customer = not access.works_on
        audience = Audience.CUSTOMER if customer else Audience.STAFF
        if expected_status is not None and expected_status != current:
            raise InvalidTransition(
                _("%(key)s changed while you were looking at it: it is now %(current)s. Nothing was changed.")
                % {"key": ticket.key, "current": status_label(current, audience).lower()},
                allowed=allowed_next(current),
            )
        if customer and current != Status.RESOLVED and (Status.RESOLVED, target) in CUSTOMER_TRANSITIONS:
            raise InvalidTransition(
                _("%(key)s is %(current)s: a request can be confirmed or reopened once we have resolved it.")
                % {"key": ticket.key, "current": status_label(current, audience).lower()}
            )
        if not is_allowed(current, target):
            raise _refuse(ticket, current, target, audience)
        if not can_transition(actor, ticket, target, access=access):
            if customer and (current, target) in CUSTOMER_TRANSITIONS:
                raise PermissionDenied(
                    _("%(key)s was resolved too long ago to be reopened. Please submit a new request.")
                    % {"key": ticket.key}
                )
            raise PermissionDenied(_("Only the service team can make this change."))
        if target == Status.RESOLVED and not note:
            raise ValidationError(field_errors={"note": [_("Resolving needs a resolution note for the customer.")]})
        if note_required is not None and not note:
            raise ValidationError(field_errors={note_required[0]: [note_required[1]]})
        apply_transition(ticket, to=target, actor=actor, note=note)
        touch(ticket, *TRANSITION_FIELDS)
    return ticket


def ticket_confirm_resolution(*, actor: User, ticket: Ticket) -> Ticket:
    """The customer agrees the request is done: resolved → closed."""
    return ticket_transition(actor=actor, ticket=ticket, to=Status.CLOSED, note="")


def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    """Resolved → in progress, with the reason: by the customer within the reopen window, or by staff."""
    return ticket_transition(
        actor=actor,
        ticket=ticket,
        to=Status.IN_PROGRESS,
        note=reason,
        note_required=("reason", _("Tell us what is still wrong so we can pick it up.")),
    )


def ticket_auto_close(*, ticket_id: int) -> bool:
    """Close one resolved ticket whose confirmation period has passed; True if it was closed now.

    Idempotent: a ticket already closed, reopened, or not yet due is left alone, so a retried or doubled
    sweep changes nothing.
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("organisation").filter(pk=ticket_id).first()
        if ticket is None or ticket.status != Status.RESOLVED or ticket.resolved_at is None:
            return False
        contract = contract_in_force(organisation=ticket.organisation, at=ticket.resolved_at)
        days = contract.tier.auto_close_after_days if contract else DEFAULT_AUTO_CLOSE_DAYS
        if now() < ticket.resolved_at + dt.timedelta(days=days):
            return False
        apply_transition(
            ticket,
            to=Status.CLOSED,
            actor=None,
            note=_("Closed automatically: resolved %(days)s days ago without a reply.") % {"days": days},
            automatic=True,
        )
        touch(ticket, *TRANSITION_FIELDS)
    return True
