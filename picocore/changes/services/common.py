"""What the change services share: reading a change for a write (locked, scoped to the actor), checking text,
recording an event with its audit entry, and recomputing the risk."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.changes import permissions, risk, scheduling
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent, ChangeEvent, PostImplementationReview
from picocore.cmdb.choices import EnvironmentKind
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tenancy.models import User

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 500


def not_found() -> NotFound:
    return NotFound(_("There is no such change, or it is not yours to see."))


def locked(actor: User | None, change_id: int, *, plan: bool = True, decided: bool = False) -> Change:
    """The change, locked for this transaction, if the actor may see it; NotFound otherwise (as for a missing
    one). With `plan`, PermissionDenied when they may see it but not plan it. `decided`: for the step after an
    approval decision, whose service checked the decider (who may have decided by link, signed in as nobody)."""
    change = (
        Change.objects.select_for_update(of=("self",))
        .select_related("organisation", "template", "implementer")
        .filter(pk=change_id)
        .first()
    )
    if change is None or (not decided and not permissions.can_read(actor, change.organisation_id)):
        raise not_found()
    if decided:
        return change
    if plan and not permissions.can_plan(actor, change.organisation_id):
        raise PermissionDenied(_("Only the service team serving this customer plans and moves its changes."))
    return change


def clean_text(errors: dict[str, list[str]], field: str, value: object, *, limit: int, required: bool = False,
               label: str = "") -> str:  # fmt: skip
    """`value` stripped, or an error noted for `field`: NUL characters, over `limit` characters, empty when
    `required`."""
    text = value.strip() if isinstance(value, str) else ""
    if not isinstance(value, str | None):
        errors[field] = [_("Give this as text.")]
    elif "\x00" in text:
        errors[field] = [_("Remove the NUL character (\\0) from the text.")]
    elif len(text) > limit:
        errors[field] = [_("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"}]
    elif required and not text:
        errors[field] = [_("Fill in %(label)s.") % {"label": label or field}] if label else [_("This is required.")]
    return text


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(field_errors=errors)


def record(
    change: Change, *, actor: User | None, kind: str, data: dict[str, Any] | None = None,
    changes: dict[str, dict[str, Any]] | None = None, action: str = AuditAction.CHANGED,
) -> None:  # fmt: skip
    """One history entry and its audit entry, in the caller's transaction."""
    ChangeEvent.objects.create(change=change, kind=kind, actor=actor if actor and actor.pk else None, data=data or {})
    audit_record(
        actor=actor, action=action, instance=change, changes=changes or {kind: {"before": None, "after": data}}
    )


def component_ids(change: Change) -> list[int]:
    return list(
        ChangeComponent.objects.filter(change=change).order_by("component_id").values_list("component_id", flat=True)
    )


def template_record(template_id: int) -> tuple[int, int]:
    """(failed, reviewed) changes made from the template: failed ones are those reviewed as failed or backed out."""
    outcomes = list(
        PostImplementationReview.objects.filter(change__template_id=template_id).values_list("outcome", flat=True)
    )
    return sum(1 for outcome in outcomes if outcome in risk.FAILED_OUTCOMES), len(outcomes)


def reassess(change: Change, *, components: Iterable[int] | None = None) -> list[str]:
    """Recompute the change's risk from its answers and the landscape, onto the object (not saved); returns the
    fields to save."""
    ids = list(components) if components is not None else component_ids(change)
    in_production = (
        bool(ids) and Component.objects.filter(pk__in=ids, environment__kind=EnvironmentKind.PRODUCTION).exists()
    )
    days = None
    if change.planned_start is not None:
        rules = scheduling.rules_for(change.organisation_id, change.organisation.time_zone)
        days = scheduling.days_to_freeze(rules.freezes, rules.time_zone, change.planned_start)
    assessment = risk.assess(
        answers=change.risk_answers,
        in_production=in_production,
        component_count=len(ids),
        template_record=template_record(change.template_id) if change.template_id else None,
        days_to_freeze=days,
    )
    change.risk_factors = [factor.as_data() for factor in assessment.factors]
    change.risk_score, change.risk_level = assessment.score, assessment.level
    return ["risk_factors", "risk_score", "risk_level"]


def touch(change: Change) -> str:
    change.updated_at = now()
    return "updated_at"


PLANNING_FOR_STANDARD = frozenset({ChangeStatus.DRAFT})
