"""What the problem services share: reading a problem for a write (locked, checked against the actor), checking
text, recording a history entry with its audit entry, and keeping the affected customers in step."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.problems import permissions
from picocore.problems.errors import ProblemNotFound
from picocore.problems.history import Entry
from picocore.problems.models import AffectedCustomer, Problem, ProblemComponent, ProblemEvent, ProblemIncident
from picocore.tenancy.models import User

NUMBER_ATTEMPTS = 5


def not_found() -> NotFound:
    return ProblemNotFound(_("There is no such problem, or it is not yours to see."))


def customer_ids(problem_id: int) -> list[int]:
    return list(AffectedCustomer.objects.filter(problem_id=problem_id).values_list("organisation_id", flat=True))


def refuse_unless_staff(actor: User | None) -> None:
    """PermissionDenied for anyone outside the service team (customers, developers): before anything is read."""
    if not permissions.works_on_problems(actor):
        raise PermissionDenied(_("Only the service team works on problems."))


def locked(actor: User | None, problem_id: object) -> Problem:
    """The problem, locked for this transaction, if the actor may work it; NotFound otherwise (as for a missing
    one), PermissionDenied for anyone outside the service team."""
    refuse_unless_staff(actor)
    problem = (
        Problem.objects.select_for_update(of=("self",)).select_related("fixing_change").filter(pk=problem_id).first()
        if isinstance(problem_id, int)
        else None
    )
    if problem is None or not permissions.can_work(actor, customer_ids(problem.pk)):
        raise not_found()
    return problem


def clean_text(errors: dict[str, list[str]], field: str, value: object, *, limit: int, required: bool = False,
               one_line: bool = False) -> str:  # fmt: skip
    """`value` stripped, NUL characters removed, or an error noted for `field`: over `limit` characters, empty when
    `required`, or (with `one_line`) holding a line break."""
    if not isinstance(value, str | None):
        errors[field] = [_("Give this as text.")]
        return ""
    text = (value or "").replace("\x00", "").strip()
    if len(text) > limit:
        errors[field] = [_("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"}]
    elif required and not text:
        errors[field] = [_("This is required.")]
    elif one_line and ("\n" in text or "\r" in text):
        errors[field] = [_("Keep it on one line.")]
    return text


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(field_errors=errors)


def record(
    problem: Problem, entry: Entry, *, actor: User | None, changes: dict[str, dict[str, Any]] | None = None,
    action: str = AuditAction.CHANGED,
) -> ProblemEvent:  # fmt: skip
    """One history entry and its audit entry, in the caller's transaction."""
    event = ProblemEvent.objects.create(
        problem=problem, kind=entry.kind, actor=actor if actor and actor.pk else None, data=entry.to_data()
    )
    audit_record(
        actor=actor, action=action, instance=problem,
        changes=changes or {entry.kind: {"before": None, "after": entry.to_data()}},
    )  # fmt: skip
    return event


def touch(problem: Problem) -> str:
    problem.updated_at = now()
    return "updated_at"


def sync_customers(problem: Problem) -> None:
    """Make the problem's affected customers the organisations of its linked incidents and affected components."""
    wanted = set(ProblemIncident.objects.filter(problem=problem).values_list("organisation_id", flat=True))
    wanted |= set(ProblemComponent.objects.filter(problem=problem).values_list("organisation_id", flat=True))
    current = set(customer_ids(problem.pk))
    if current - wanted:
        AffectedCustomer.objects.filter(problem=problem, organisation_id__in=sorted(current - wanted)).delete()
    AffectedCustomer.objects.bulk_create(
        [AffectedCustomer(problem=problem, organisation_id=pk) for pk in sorted(wanted - current)],
        ignore_conflicts=True,
    )


def save_numbered(problem: Problem) -> None:
    """Save the new problem with the next number; two at once retry on the unique number."""
    for attempt in range(NUMBER_ATTEMPTS):
        problem.number = (Problem.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                problem.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            problem.pk = None
