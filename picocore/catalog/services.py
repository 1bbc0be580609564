"""Changes to the catalogue's configuration, each on the audit trail."""

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.audit.services import audited_save
from picocore.catalog.choices import Impact, Priority, Urgency
from picocore.catalog.models import PriorityRule
from picocore.core.errors import ValidationError
from picocore.tenancy.models import User


@transaction.atomic
def priority_matrix_update(*, actor: User | None, cells: Mapping[tuple[str, str], int]) -> int:
    """Set the priority of each given impact × urgency cell of the matrix, creating a cell's row if it is
    missing; each changed cell is audited with before and after, an unchanged one records nothing. Returns how
    many cells changed. A cell or priority outside the matrix is refused and nothing is saved."""
    for (impact, urgency), priority in cells.items():
        if impact not in Impact.values or urgency not in Urgency.values or priority not in Priority.values:
            raise ValidationError(_("Choose a priority from P1 to P5 for every impact and urgency."))
    rules = {(rule.impact, rule.urgency): rule for rule in PriorityRule.objects.select_for_update()}
    changed = 0
    for (impact, urgency), priority in cells.items():
        rule = rules.get((impact, urgency)) or PriorityRule(impact=impact, urgency=urgency)
        if rule.pk is not None and rule.priority == priority:
            continue
        rule.priority = priority
        audited_save(actor=actor, instance=rule)
        changed += 1
    return changed
