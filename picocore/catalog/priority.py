"""ITIL priority: impact × urgency → P1..P5, with the reason stated the way the customer sees it.

The reason is stored in the installation's language (the API and exports read one language) and shown to each
reader in theirs by `reason_text`, which recognises the two sentences this module and the priority change
write and says them again in the active language; any other stored reason is shown as it was written.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from picocore.catalog.choices import Impact, Priority, Urgency
from picocore.catalog.models import PriorityRule
from picocore.core import reference

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
    priority = configured_matrix().get((impact, urgency)) or DEFAULT_MATRIX[(impact, urgency)]
    with translation.override(settings.LANGUAGE_CODE):
        reason = matrix_reason(impact, urgency, priority)
    return PriorityDecision(priority=priority, reason=reason)


def configured_matrix() -> dict[tuple[str, str], int]:
    """The matrix's stored cells, by (impact, urgency), kept per process while the reference data is unchanged
    (`reference.cached`): shared, never change it. A deleted cell is missing here (`DEFAULT_MATRIX` stands in)."""
    return reference.cached("catalog.priority_matrix", _configured_matrix)


def _configured_matrix() -> dict[tuple[str, str], int]:
    rows = PriorityRule.objects.values_list("impact", "urgency", "priority")
    return {(impact, urgency): priority for impact, urgency, priority in rows}


def matrix_reason(impact: str, urgency: str, priority: int) -> str:
    """Why the matrix gave this priority, in the active language: "High impact × Medium urgency → P2"."""
    return _("%(impact)s impact × %(urgency)s urgency → %(priority)s") % {
        "impact": Impact(impact).label,
        "urgency": Urgency(urgency).label,
        "priority": Priority(priority).label,
    }


OVERRIDE_REASON = gettext_noop("Changed from %(before)s to %(after)s by %(who)s: %(reason)s")


def override_reason(before: int, after: int, who: str, reason: str) -> str:
    """Why a consultant changed the priority, in the active language."""
    return _(OVERRIDE_REASON) % {
        "before": Priority(before).label,
        "after": Priority(after).label,
        "who": who,
        "reason": reason,
    }


def _stored_override(stored: str) -> re.Match[str] | None:
    """The parts of a priority-change reason stored in the installation's language, or None."""
    with translation.override(settings.LANGUAGE_CODE):
        sentence = _(OVERRIDE_REASON)
    pattern = re.escape(sentence)
    for name, group in (("before", r"P(?P<before>[1-5])"), ("after", r"P(?P<after>[1-5])"),
                        ("who", r"(?P<who>.+?)"), ("reason", r"(?P<reason>.*)")):  # fmt: skip
        pattern = pattern.replace(re.escape(f"%({name})s"), group, 1)
    return re.fullmatch(pattern, stored, re.S)


def reason_text(*, impact: str, urgency: str, priority: int, stored: str, marked: bool = False) -> str:
    """The stored priority reason in the active language. `marked`: the name and the consultant's own words
    are put in `data-user-content` spans (escaped HTML, for a page; plain text otherwise)."""
    with translation.override(settings.LANGUAGE_CODE):
        from_matrix = impact and urgency and stored == matrix_reason(impact, urgency, priority)
    if from_matrix:
        return matrix_reason(impact, urgency, priority)
    changed = _stored_override(stored)
    if changed is None:
        return format_html("<span data-user-content>{}</span>", stored) if marked and stored else stored
    before, after, who, reason = int(changed["before"]), int(changed["after"]), changed["who"], changed["reason"]
    if not marked:
        return override_reason(before, after, who, reason)
    # The sentence in the reader's language, escaped, with the two typed parts marked where they fall.
    sentence = conditional_escape(override_reason(before, after, "\x00who\x00", "\x00reason\x00"))
    return mark_safe(  # noqa: S308 - every part is escaped above or by format_html
        sentence.replace("\x00who\x00", format_html("<span data-user-content>{}</span>", who)).replace(
            "\x00reason\x00", format_html("<span data-user-content>{}</span>", reason)
        )
    )
