"""ITIL priority: impact × urgency → P1..P5, with the reason stated the way the customer sees it."""

from dataclasses import dataclass

from picocore.catalog.choices import Impact, Priority, Urgency
from picocore.catalog.models import PriorityRule

# The matrix installed by the first migration and used for any cell an administrator deleted.
DEFAULT_MATRIX: dict[tuple[str, str], int] = {
    (Impact.HIGH, Urgency.HIGH): Priority.P1,
    (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
    (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
    (Impact.HIGH, Urgency.LOW): Priority.P3,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
    (Impact.LOW, Urgency.HIGH): Priority.P3,
    (Impact.MEDIUM, Urgency.LOW): Priority.P4,
    (Impact.LOW, Urgency.MEDIUM): Priority.P4,
    (Impact.LOW, Urgency.LOW): Priority.P5,
}


@dataclass(frozen=True)
class PriorityDecision:
    priority: int
    reason: str


def priority_for(impact: str, urgency: str) -> PriorityDecision:
    """The priority of this impact and urgency from the configured matrix, and why, in one sentence."""
    impact, urgency = Impact(impact), Urgency(urgency)
    configured = PriorityRule.objects.filter(impact=impact, urgency=urgency).values_list("priority", flat=True)
    priority = next(iter(configured), None) or DEFAULT_MATRIX[(impact, urgency)]
    reason = f"{impact.label} impact × {urgency.label} urgency → {Priority(priority).label}"
    return PriorityDecision(priority=priority, reason=reason)
