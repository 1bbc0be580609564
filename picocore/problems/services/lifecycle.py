"""Making, editing and moving a problem.

Guarantees: only the service team makes and works problems (PermissionDenied for customers and developers,
NotFound for a problem the actor may not see); texts are plain, NUL-free and within their limits; the status moves
only as `picocore.problems.states` allows, through `problem_transition` (InvalidTransition listing the allowed
moves otherwise), and into "known error" only with a recorded workaround; recording the first workaround of a new
or investigated problem makes it a known error. Each write, its history entry and its audit entry are one
transaction.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import diff, snapshot
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, ValidationError
from picocore.problems import states
from picocore.problems.choices import ProblemStatus
from picocore.problems.history import Created, Edited, StatusChanged, WorkaroundRecorded
from picocore.problems.models import NEXT_STEP_MAX, TEXT_MAX, TITLE_MAX, Problem
from picocore.problems.permissions import works_on_problems
from picocore.problems.services.common import (
    clean_text,
    locked,
    raise_if,
    record,
    refuse_unless_staff,
    save_numbered,
    touch,
)
from picocore.problems.services.links import problem_link_incident
from picocore.tenancy.models import User

S = ProblemStatus
REASON_MAX = 500
EDITABLE = ("title", "description", "root_cause", "workaround", "owner", "next_step", "next_step_due")


def _owner(errors: dict[str, list[str]], owner_id: object) -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if isinstance(owner_id, int) else None
    if owner is None or not works_on_problems(owner):
        errors["owner"] = [_("Choose an owner from the service team.")]
        return None
    return owner


def _texts(errors: dict[str, list[str]], *, title: object, description: object, root_cause: object,
           workaround: object, next_step: object) -> dict[str, str]:  # fmt: skip
    return {
        "title": clean_text(errors, "title", title, limit=TITLE_MAX, required=True, one_line=True),
        "description": clean_text(errors, "description", description, limit=TEXT_MAX),
        "root_cause": clean_text(errors, "root_cause", root_cause, limit=TEXT_MAX),
        "workaround": clean_text(errors, "workaround", workaround, limit=TEXT_MAX),
        "next_step": clean_text(errors, "next_step", next_step, limit=NEXT_STEP_MAX, one_line=True),
    }


def problem_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    root_cause: str = "",
    workaround: str = "",
    owner_id: int | None = None,
    next_step: str = "",
    next_step_due: dt.date | None = None,
    ticket_key: str = "",
    proposal: str = "",
) -> Problem:
    """A new problem (`PRB-<n>`), owned by `owner_id` (a member of the service team) or by nobody yet, with the
    incident `ticket_key` linked if given (as `problem_link_incident` links it: a ticket the actor may not work on
    is NotFound, and then nothing is made). Made with a workaround it is a known error from the start."""
    refuse_unless_staff(actor)
    errors: dict[str, list[str]] = {}
    texts = _texts(errors, title=title, description=description, root_cause=root_cause, workaround=workaround,
                   next_step=next_step)  # fmt: skip
    owner = _owner(errors, owner_id)
    raise_if(errors)
    problem = Problem(**texts, owner=owner, next_step_due=next_step_due, created_by=actor)
    with transaction.atomic():
        save_numbered(problem)
        record(problem, Created(proposal=proposal), actor=actor, action=AuditAction.CREATED,
               changes=diff({}, snapshot(problem)))  # fmt: skip
        if problem.workaround:
            _workaround_recorded(problem, actor=actor)
        if ticket_key.strip():
            problem_link_incident(actor=actor, problem_id=problem.pk, ticket_key=ticket_key)
    return problem


def _workaround_recorded(problem: Problem, *, actor: User) -> list[str]:
    """Record that a workaround is known; a new or investigated problem becomes a known error. Returns the fields
    to save."""
    record(problem, WorkaroundRecorded(), actor=actor)
    if problem.status in (S.NEW, S.INVESTIGATING):
        before = problem.status
        problem.status = S.KNOWN_ERROR
        problem.save(update_fields=["status"])
        record(problem, StatusChanged(before=before, after=S.KNOWN_ERROR, automatic=True), actor=actor,
               changes={"status": {"before": before, "after": S.KNOWN_ERROR}})  # fmt: skip
    return ["status"]


def problem_update(
    *,
    actor: User,
    problem_id: int,
    title: str,
    description: str,
    root_cause: str,
    workaround: str,
    owner_id: int | None,
    next_step: str,
    next_step_due: dt.date | None,
) -> Problem:
    """Save the problem's texts, owner and next step. A changed, non-empty workaround is recorded as such (and makes
    a new or investigated problem a known error); a closed problem is not edited."""
    errors: dict[str, list[str]] = {}
    texts = _texts(errors, title=title, description=description, root_cause=root_cause, workaround=workaround,
                   next_step=next_step)  # fmt: skip
    raise_if(errors)
    with transaction.atomic():
        problem = locked(actor, problem_id)
        if problem.status in states.TERMINAL:
            raise InvalidTransition(_("%(key)s is closed and is no longer edited.") % {"key": problem.key})
        owner = _owner(errors, owner_id)
        raise_if(errors)
        before = snapshot(problem)
        old_workaround = problem.workaround
        for name, value in texts.items():
            setattr(problem, name, value)
        problem.owner, problem.next_step_due = owner, next_step_due
        changed = [name for name in EDITABLE if before.get(name) != snapshot(problem).get(name)]
        if not changed:
            return problem
        problem.save(update_fields=[*texts, "owner", "next_step_due", touch(problem)])
        labels = [str(getattr(Problem._meta.get_field(name), "verbose_name", name)) for name in changed]
        record(problem, Edited(fields=tuple(labels)), actor=actor, changes=diff(before, snapshot(problem)))
        if problem.workaround and problem.workaround != old_workaround:
            _workaround_recorded(problem, actor=actor)
    return problem


def _refused(problem: Problem, target: str) -> InvalidTransition:
    allowed = states.allowed_from(problem.status)
    names = ", ".join(str(S(status).label) for status in allowed) or _("none")
    return InvalidTransition(
        _("%(key)s cannot move from %(source)s to %(target)s. Allowed: %(allowed)s.")
        % {"key": problem.key, "source": S(problem.status).label, "target": S(target).label, "allowed": names},
        allowed=allowed,
    )


def problem_transition(*, actor: User, problem_id: int, target: str, reason: str = "") -> Problem:
    """Move the problem to `target`, guarded as the module says; `reason` is kept in the history."""
    if target not in S.values:
        raise ValidationError(_("There is no such status."), field_errors={"target": [_("There is no such status.")]})
    errors: dict[str, list[str]] = {}
    reason = clean_text(errors, "reason", reason, limit=REASON_MAX)
    raise_if(errors)
    with transaction.atomic():
        problem = locked(actor, problem_id)
        source = problem.status
        if not states.may_move(source, target):
            raise _refused(problem, target)
        if target in states.NEEDS_WORKAROUND and not problem.workaround:
            raise ValidationError(
                _("Record the workaround first: a known error is a problem whose workaround is known."),
                field_errors={"workaround": [_("Record the workaround first.")]},
            )
        fields = ["status", touch(problem)]
        moment = now()
        if target == S.RESOLVED:
            problem.resolved_at = moment
            fields.append("resolved_at")
        elif target == S.CLOSED:
            problem.closed_at = moment
            fields.append("closed_at")
        if source == S.RESOLVED and target != S.CLOSED:
            problem.resolved_at = None
            fields.append("resolved_at")
        problem.status = target
        problem.save(update_fields=fields)
        record(problem, StatusChanged(before=source, after=target, reason=reason), actor=actor,
               changes={"status": {"before": source, "after": target}})  # fmt: skip
    return problem
