"""Canned replies: a consultant keeps personal ones, a service manager the shared ones (for everyone on the
desk, or for one operations team). Each create, change and delete is checked (permissions, placeholders,
the status it sets) and written with its audit entry (before and after) in one transaction; a refused one
writes nothing."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from picocore.audit.services import audited_delete, audited_save
from picocore.core.errors import PermissionDenied, ValidationError
from picocore.core.models import max_length_of
from picocore.core.text import one_line, without_nul
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Team, User
from picocore.tickets.canned import PLACEHOLDERS, unknown_placeholders
from picocore.tickets.choices import CannedReplyKind, Status
from picocore.tickets.models import CannedReply
from picocore.tickets.permissions import can_change_canned_reply, can_create_canned_reply

NAME_MAX_LENGTH = max_length_of(CannedReply, "name")
NEXT_STEP_MAX_LENGTH = max_length_of(CannedReply, "next_step")
BODY_MAX_LENGTH = 10_000
MAX_DUE_DAYS = 365
# A reply can move a ticket anywhere the lifecycle allows, but never back to new.
SETTABLE_STATUSES = tuple(s for s in Status if s != Status.NEW)


@dataclass(frozen=True)
class CannedReplyFields:
    """What a person writes into a canned reply (the form's cleaned values)."""

    name: str
    body: str
    kind: str = CannedReplyKind.REPLY
    status: str = ""
    next_step: str = ""
    next_step_due_days: int | None = None
    active: bool = True


def _placeholder_error(text: str) -> str | None:
    unknown = unknown_placeholders(text)
    if not unknown:
        return None
    return _("Unknown placeholder %(unknown)s. Use one of: %(known)s (write {{ and }} for a brace).") % {
        "unknown": ", ".join(f"{{{name}}}" for name in unknown),
        "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
    }


def _cleaned(fields: CannedReplyFields) -> CannedReplyFields:
    """The fields checked and tidied; every problem at once as a ValidationError naming its field."""
    errors: dict[str, list[str]] = {}
    name = one_line(fields.name)
    body = without_nul(fields.body or "").strip()
    next_step = one_line(fields.next_step or "")
    if not name:
        errors["name"] = [_("Give the canned reply a name.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("A name has at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}]
    if not body:
        errors["body"] = [_("Write the text the reply fills in.")]
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = [_("The text has at most %(count)d characters.") % {"count": BODY_MAX_LENGTH}]
    elif message := _placeholder_error(body):
        errors["body"] = [message]
    if fields.kind not in CannedReplyKind.values:
        errors["kind"] = [_("Choose a public reply or an internal note.")]
    if fields.status and fields.status not in SETTABLE_STATUSES:
        errors["status"] = [_("Choose a status a ticket can be moved to, or none.")]
    elif fields.status == Status.RESOLVED and fields.kind == CannedReplyKind.NOTE:
        errors["status"] = [_("Resolving tells the customer what was done: make it a public reply.")]
    if len(next_step) > NEXT_STEP_MAX_LENGTH:
        errors["next_step"] = [_("A next step has at most %(count)d characters.") % {"count": NEXT_STEP_MAX_LENGTH}]
    elif message := _placeholder_error(next_step):
        errors["next_step"] = [message]
    days = fields.next_step_due_days
    if days is not None and not 0 <= days <= MAX_DUE_DAYS:
        errors["next_step_due_days"] = [_("Expect the next step within 0 to %(max)d days.") % {"max": MAX_DUE_DAYS}]
    elif days is not None and not next_step:
        errors["next_step_due_days"] = [_("Say what the next step is, not only when.")]
    if errors:
        raise ValidationError(field_errors=errors)
    return CannedReplyFields(
        name=name,
        body=body,
        kind=fields.kind,
        status=fields.status,
        next_step=next_step,
        next_step_due_days=days,
        active=fields.active,
    )


def _taken(name: str) -> ValidationError:
    return ValidationError(
        field_errors={"name": [_("There already is a canned reply named “%(name)s” here.") % {"name": name}]}
    )


def _save(actor: User, reply: CannedReply) -> CannedReply:
    try:
        with transaction.atomic():
            audited_save(actor=actor, instance=reply)
    except IntegrityError:
        raise _taken(reply.name) from None
    return reply


def _apply(reply: CannedReply, fields: CannedReplyFields) -> None:
    reply.name, reply.body, reply.kind = fields.name, fields.body, fields.kind
    reply.status, reply.next_step, reply.next_step_due_days = fields.status, fields.next_step, fields.next_step_due_days
    reply.active = fields.active


def _check_team(team: Team | None) -> None:
    if team is not None and team.kind != TeamKind.OPERATIONS:
        raise ValidationError(field_errors={"scope": [_("Share canned replies only with an operations team.")]})


def canned_reply_create(
    *, actor: User, fields: CannedReplyFields, shared: bool = False, team: Team | None = None
) -> CannedReply:
    """A new canned reply: the actor's personal one, or (`shared`, service managers only) one for everyone on
    the desk or for `team`. Unknown placeholders, a status a ticket cannot be set to and a name already used
    in the same scope are refused; nothing is saved then. The audit entry holds every value saved."""
    if not can_create_canned_reply(actor, shared=shared, team=team):
        raise PermissionDenied(
            _("Only service managers write shared canned replies.") if shared else _("Only the service team does this.")
        )
    _check_team(team)
    cleaned = _cleaned(fields)
    reply = CannedReply(owner=None if shared else actor, team=team if shared else None)
    _apply(reply, cleaned)
    return _save(actor, reply)


# Default of `team`: leave the team as it is (None is a real answer: shared with everyone).
_KEEP: Any = object()


def canned_reply_update(
    *, actor: User, reply: CannedReply, fields: CannedReplyFields, team: Team | None = _KEEP
) -> CannedReply:
    """Change a canned reply: its owner a personal one, a service manager a shared one (and which team it is
    shared with, or everyone: `team`). A personal reply stays personal. The audit entry holds before and after;
    saving the same values records nothing."""
    if not can_change_canned_reply(actor, reply):
        raise PermissionDenied(_("Only its owner changes this canned reply."))
    cleaned = _cleaned(fields)
    if team is not _KEEP:
        if reply.personal and team is not None:
            raise ValidationError(field_errors={"scope": [_("A personal canned reply stays personal.")]})
        _check_team(team)
        if not reply.personal:
            reply.team = team
    _apply(reply, cleaned)
    return _save(actor, reply)


def canned_reply_delete(*, actor: User, reply: CannedReply) -> None:
    """Delete a canned reply (its owner a personal one, a service manager a shared one); the audit entry keeps
    every value it held."""
    if not can_change_canned_reply(actor, reply):
        raise PermissionDenied(_("Only its owner deletes this canned reply."))
    with transaction.atomic():
        audited_delete(actor=actor, instance=reply)
