"""Satisfaction: how many resolutions were rated, and how well.

- **Offered**: resolutions (status changes to resolved) within the period; each offers its requester a
  rating. A ticket resolved twice offered two.
- **Ratings**: the ratings given for those resolutions (one per requester and resolution; a changed rating
  counts with its latest score), whenever they were given.
- **Response rate**: ratings ÷ offered, as a percentage to two decimals.
- **Score**: the mean of the ratings' scores on the 1–5 scale, to two decimals; with how many ratings gave
  each score. A rating on a tier's 1–3 scale counts on the 1–5 one (1, 2, 3 as 1, 3, 5), so both compare.
- **Team and consultant**: for a rated resolution those kept with the rating (who worked the ticket when it
  was rated); for one not rated, the ticket's owning team and assignee now.
- **Contract**: the one in force when the ticket was created.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Length

from picocore.reports.metrics.common import Contracts, Scope, scope_contracts, scoped, share, without_jit
from picocore.reports.metrics.labels import Labelled, group_labels
from picocore.reports.metrics.responsiveness import resolutions
from picocore.satisfaction.models import SCALE, Rating
from picocore.tickets.models import TicketEvent

SATISFACTION_GROUPS = ("contract", "organisation", "tier", "team", "consultant")
COMMENTS_LISTED = 100


@dataclass(frozen=True)
class SatisfactionRow(Labelled):
    """One group: resolutions offered, ratings, and how many ratings gave each score (index 0: score 1)."""

    offered: int
    scores: tuple[int, ...]

    @property
    def ratings(self) -> int:
        return sum(self.scores)

    @property
    def response_rate(self) -> Decimal | None:
        return share(self.ratings, self.offered)

    @property
    def score(self) -> Decimal | None:
        """The mean score to two decimals (half up); None without ratings."""
        if not self.ratings:
            return None
        total = sum(score * count for score, count in enumerate(self.scores, start=1))
        return (Decimal(total) / self.ratings).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Comment:
    """A rating with a comment, as the report lists it (its score on its own scale)."""

    ticket_key: str
    organisation: str
    score: int
    scale: int
    comment: str
    rated_at: dt.datetime
    team: str
    consultant: str


@dataclass(frozen=True)
class Satisfaction:
    """The scope's satisfaction per group and in all, and the comments given (newest first, at most
    `COMMENTS_LISTED` of `comment_count`)."""

    scope: Scope
    group_by: str
    rows: tuple[SatisfactionRow, ...]
    total: SatisfactionRow
    comments: tuple[Comment, ...]
    comment_count: int


def on_widest_scale(score: int, scale: int) -> int:
    """A score on a 1–`scale` scale as a score on the 1–SCALE one, rounded half up (1–3: 1, 3, 5)."""
    if scale <= 1 or scale == SCALE:
        return min(max(score, 1), SCALE)
    widened = 1 + Fraction((score - 1) * (SCALE - 1), scale - 1)
    return min(max(int(widened + Fraction(1, 2)), 1), SCALE)


def _resolutions(scope: Scope, contracts: Contracts) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(resolutions(), created_at__gte=scope.starts_at, created_at__lt=scope.ends_at)
    return scoped(events, scope, contracts, ticket_prefix="ticket__", team_field=None)


def _ratings(scope: Scope, contracts: Contracts) -> QuerySet[Rating]:
    """The ratings of the period's resolutions in the scope (the team filtered by the rating's team)."""
    rated = Rating.objects.filter(resolution__created_at__gte=scope.starts_at, resolution__created_at__lt=scope.ends_at)
    return scoped(rated, scope, contracts, ticket_prefix="ticket__", team_field="team_id")


GROUP_FIELDS = {
    "unrated": {
        "organisation": "ticket__organisation_id",
        "team": "ticket__team_id",
        "consultant": "ticket__assignee_id",
    },
    "rated": {"organisation": "organisation_id", "team": "team_id", "consultant": "assignee_id"},
}


@without_jit
def satisfaction(scope: Scope, *, group_by: str = "contract", comments: int = COMMENTS_LISTED) -> Satisfaction:
    """The scope's satisfaction (module docstring) grouped by contract, organisation, tier, team or consultant:
    exact counts from a constant number of queries (contracts, unrated resolutions, ratings by score, the
    comments and their count, the groups' names) whatever the data size."""
    if group_by not in SATISFACTION_GROUPS:
        raise ValueError(f"group_by is one of {SATISFACTION_GROUPS}")
    contracts = scope_contracts(scope)
    tier_of = {contract.pk: contract.tier_id for contract in contracts.contracts}
    unrated = _resolutions(scope, contracts).filter(~Exists(Rating.objects.filter(resolution_id=OuterRef("pk"))))
    if scope.team is not None:
        unrated = unrated.filter(ticket__team_id=scope.team)
    ratings = _ratings(scope, contracts)

    def grouped(rows: QuerySet, kind: str) -> QuerySet:
        if group_by in ("contract", "tier"):
            return rows.annotate(group=F("creation_contract"))
        return rows.annotate(group=F(GROUP_FIELDS[kind][group_by]))

    offered: dict[object, int] = {}
    scores: dict[object, list[int]] = {}

    def key_of(value: object) -> object:
        return tier_of.get(value) if group_by == "tier" and isinstance(value, int) else value

    for found in grouped(unrated, "unrated").values("group").annotate(n=Count("pk")).order_by():
        key = key_of(found["group"])
        offered[key] = offered.get(key, 0) + found["n"]
    for found in grouped(ratings, "rated").values("group", "score", "scale").annotate(n=Count("pk")).order_by():
        key = key_of(found["group"])
        offered[key] = offered.get(key, 0) + found["n"]
        score = on_widest_scale(found["score"], found["scale"])
        scores.setdefault(key, [0] * SCALE)[score - 1] += found["n"]
    labels = group_labels(group_by, offered.keys(), contracts)
    rows = tuple(
        SatisfactionRow(key=key, label=labels[key], offered=offered[key], scores=tuple(scores.get(key, [0] * SCALE)))
        for key in sorted(offered, key=labels.sort_key)
    )
    total = SatisfactionRow(
        key=None,
        label="",
        offered=sum(row.offered for row in rows),
        scores=tuple(sum(row.scores[index] for row in rows) for index in range(SCALE)),
    )
    commented = ratings.annotate(length=Length("comment")).filter(length__gt=0)
    listed = tuple(
        Comment(
            ticket_key=rating.ticket.key,
            organisation=rating.organisation.name,
            score=rating.score,
            scale=rating.scale,
            comment=rating.comment,
            rated_at=rating.updated_at,
            team=rating.team.name if rating.team else "",
            consultant=rating.assignee.full_name if rating.assignee else "",
        )
        for rating in commented.select_related("ticket", "organisation", "team", "assignee").order_by(
            "-updated_at", "-pk"
        )[:comments]
    )
    return Satisfaction(
        scope=scope,
        group_by=group_by,
        rows=rows,
        total=total,
        comments=listed,
        comment_count=commented.count(),
    )
