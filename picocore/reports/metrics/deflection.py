"""Deflection: what the suggestions shown to customers while they wrote requests achieved.

- **Suggested**: the requests being written in the period (each new-request form shown is one draft) to which
  the article, known issue or earlier request was suggested, however often it was suggested again as the
  customer typed on.
- **Opened**: of those, how many times the customer opened it.
- **Solved**: how many times the customer said it solved their problem, and sent no request from that form.
- **Sent anyway**: how many times the customer sent the request from that form after all.
- **Deflection rate**: solved ÷ suggested, as a percentage to two decimals.

Counted by the customer's organisation and the moment the thing was first suggested for the draft, in the
installation's time zone. Tier, team and contract do not narrow it: no request exists yet when it is counted.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from picocore.knowledge.models import Article
from picocore.problems.models import Problem
from picocore.reports.metrics.common import Scope, share
from picocore.reports.metrics.labels import Labelled
from picocore.search.choices import SuggestionKind, SuggestionOutcome
from picocore.search.models import Suggestion
from picocore.tenancy.models import Organisation
from picocore.tickets.models import Submission, Ticket

DEFLECTION_GROUPS = ("item", "organisation")


@dataclass(frozen=True)
class DeflectionRow(Labelled):
    suggested: int
    opened: int
    solved: int
    sent: int

    @property
    def rate(self) -> Decimal | None:
        return share(self.solved, self.suggested)


@dataclass(frozen=True)
class Deflection:
    scope: Scope
    group_by: str
    rows: tuple[DeflectionRow, ...]
    total: DeflectionRow


def _names(kind_ids: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """What each suggested thing is called: an article's or a known issue's title, an earlier request's key and
    title (one query per kind that occurs)."""
    by_kind: dict[str, set[int]] = {}
    for kind, object_id in kind_ids:
        by_kind.setdefault(kind, set()).add(object_id)
    names: dict[tuple[str, int], str] = {}
    if ids := by_kind.get(SuggestionKind.ARTICLE):
        for pk, title in Article.objects.filter(pk__in=ids).values_list("pk", "title"):
            names[(SuggestionKind.ARTICLE, pk)] = title
    if ids := by_kind.get(SuggestionKind.KNOWN_ISSUE):
        for pk, title in Problem.objects.filter(pk__in=ids).values_list("pk", "known_issue_title"):
            names[(SuggestionKind.KNOWN_ISSUE, pk)] = title
    if ids := by_kind.get(SuggestionKind.REQUEST):
        for pk, key, title in Ticket.objects.filter(pk__in=ids).values_list("pk", "key", "title"):
            names[(SuggestionKind.REQUEST, pk)] = f"{key} {title}"
    return names


def deflection(scope: Scope, *, group_by: str = "item") -> Deflection:
    """Suggested, opened, solved and sent anyway per suggested thing (kind and id) or per customer, with the
    totals; two or three queries whatever the number of suggestions."""
    if group_by not in DEFLECTION_GROUPS:
        raise ValueError(f"cannot group deflection by {group_by!r}")
    sent = Submission.objects.filter(actor=OuterRef("actor_id"), token=OuterRef("draft"), ticket__isnull=False)
    suggestions = Suggestion.objects.filter(
        organisation_id__in=sorted(scope.organisation_ids), shown_at__gte=scope.starts_at, shown_at__lt=scope.ends_at
    ).annotate(sent_anyway=Exists(sent))
    keys = ("kind", "object_id") if group_by == "item" else ("organisation_id",)
    counted = (
        suggestions.order_by()
        .values(*keys)
        .annotate(
            suggested=Count("id"),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            solved=Count("id", filter=Q(outcome=SuggestionOutcome.SOLVED)),
            sent=Count("id", filter=Q(sent_anyway=True)),
        )
    )
    figures = list(counted)
    if group_by == "item":
        names = _names({(row["kind"], row["object_id"]) for row in figures})
        kinds = dict(SuggestionKind.choices)
        labelled = [
            (
                (row["kind"], row["object_id"]),
                f"{kinds.get(row['kind'], row['kind'])}: {names.get((row['kind'], row['object_id']), '—')}",
                row,
            )
            for row in figures
        ]
    else:
        organisations = dict(
            Organisation.objects.filter(pk__in={row["organisation_id"] for row in figures}).values_list("pk", "name")
        )
        labelled = [(row["organisation_id"], organisations.get(row["organisation_id"], "—"), row) for row in figures]
    rows = tuple(
        sorted(
            (
                DeflectionRow(key, label, row["suggested"], row["opened"], row["solved"], row["sent"])
                for key, label, row in labelled
            ),
            key=lambda r: (-r.suggested, r.label),
        )
    )
    total = DeflectionRow(
        None,
        "",
        sum(r.suggested for r in rows),
        sum(r.opened for r in rows),
        sum(r.solved for r in rows),
        sum(r.sent for r in rows),
    )
    return Deflection(scope=scope, group_by=group_by, rows=rows, total=total)
