"""Saved views: a consultant names the queue, filters and sort they are looking at, for themselves or for one
of their teams; the owner (and, for a shared view, a service manager) renames or deletes it. Each of these
is on the audit trail with before and after, written in the transaction of the change."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.audit.services import audited_delete, audited_save
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.models import max_length_of
from picocore.core.text import one_line
from picocore.tenancy.models import Team, User
from picocore.tenancy.scope import serves
from picocore.tickets.models import SavedView
from picocore.tickets.permissions import can_change_saved_view, can_save_view
from picocore.tickets.queues import Filters, queues_for, sort_for

NAME_MAX_LENGTH = max_length_of(SavedView, "name")
TEXT_MAX_LENGTH = max_length_of(SavedView, "filter_text")


def _clean_name(name: str) -> str:
    """The name on one line, without NUL; a name that is empty or too long is refused, not cut (a person
    chose it and must recognise it)."""
    cleaned = one_line(name)
    if not cleaned:
        raise ValidationError(field_errors={"name": [_("Give the view a name.")]})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError(
            field_errors={"name": [_("A name has at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}]}
        )
    return cleaned


def _taken(name: str) -> ValidationError:
    return ValidationError(field_errors={"name": [_("There already is a view named “%(name)s”.") % {"name": name}]})


def saved_view_create(
    *, actor: User, name: str, queue: str, filters: Filters, sort: str | None, team: Team | None = None
) -> SavedView:
    """Save the queue `queue` with `filters` and `sort` as a view named `name`, the actor's own or shared with
    `team` (one of the actor's operations teams). An unknown queue is NotFound, a team the actor is not in a
    ValidationError; nothing is saved either way. An unknown sort is saved as the queue's default. The audit
    entry holds every value saved, the team it is shared with among them."""
    if not can_save_view(actor):
        raise PermissionDenied(_("Only the service team saves desk views."))
    if queue not in {q.slug for q in queues_for(actor)}:
        raise NotFound(_("There is no such queue."))
    if team is not None and not can_save_view(actor, team):
        raise ValidationError(field_errors={"team": [_("Share a view only with a team you belong to.")]})
    if filters.organisation is not None and not serves(actor, filters.organisation):
        raise ValidationError(field_errors={"organisation": [_("There is no such customer among those you serve.")]})
    cleaned = _clean_name(name)
    view = SavedView(
        owner=actor,
        team=team,
        name=cleaned,
        queue=queue,
        sort=sort_for(queue, sort),
        filter_text=one_line(filters.text)[:TEXT_MAX_LENGTH],
        filter_organisation=filters.organisation,
        filter_type=filters.ticket_type or "",
        filter_priority=filters.priority,
        filter_status=filters.status or "",
        filter_solution=filters.solution,
        filter_assignee=filters.assignee,
    )
    try:
        with transaction.atomic():
            audited_save(actor=actor, instance=view)
    except IntegrityError:
        raise _taken(cleaned) from None
    return view


def saved_view_rename(*, actor: User, view: SavedView, name: str) -> SavedView:
    """Give the view a new name; only its owner, or for a shared view a service manager. The audit entry holds
    the name before and after; the same name again changes and records nothing."""
    if not can_change_saved_view(actor, view):
        raise PermissionDenied(_("Only its owner renames this view."))
    cleaned = _clean_name(name)
    if cleaned == view.name:
        return view
    former = view.name
    view.name = cleaned
    try:
        with transaction.atomic():
            audited_save(actor=actor, instance=view)
    except IntegrityError:
        view.name = former
        raise _taken(cleaned) from None
    return view


def saved_view_delete(*, actor: User, view: SavedView) -> None:
    """Delete the view; only its owner, or for a shared view a service manager. The audit entry keeps every
    value it held."""
    if not can_change_saved_view(actor, view):
        raise PermissionDenied(_("Only its owner deletes this view."))
    with transaction.atomic():
        audited_delete(actor=actor, instance=view)
