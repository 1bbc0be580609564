"""What a review holds, typed: frozen dataclasses stored as JSON (`to_data`) and read back (`from_data`).

Reading is the only place the stored JSON is read by key, and it is tolerant the way the timeline is: a key a
later version added reads as the field's default, so an old review still renders. Times are stored as ISO
strings with their offset, days as ISO dates; nothing is recomputed on reading.
"""

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Self

VERSION = 2  # 2: MTTA/MTTR, backlog and ageing, reopen rate; volume and satisfaction as the reports count


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _load(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        (inner,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _load(inner, value)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(_load(inner, item) for item in value or ())
    if dataclasses.is_dataclass(kind):
        return _load_dataclass(kind, value)
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    if kind is dt.date:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    return value


def _load_dataclass(cls: Any, data: Any) -> Any:
    data = data if isinstance(data, dict) else {}
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _load(hints[f.name], data[f.name])
    return cls(**values)


class Stored:
    """Mixin of the stored dataclasses: to JSON-ready data and back."""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = _dump(self)
        return data

    @classmethod
    def from_data(cls, data: Any) -> Self:
        loaded: Self = _load_dataclass(cls, data)
        return loaded


def percentage(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, to one decimal (half up); None of nothing."""
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Compliance(Stored):
    """One SLA metric over the month, as the SLA report counts it (`picocore.reports.selectors`)."""

    met: int = 0
    missed: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None
    compliance: str | None = None  # the report's percentage, two decimals, as text

    @property
    def decided(self) -> int:
        return self.met + self.missed


@dataclass(frozen=True)
class MissedTarget(Stored):
    """A target the month missed: whose, which, and when it was due."""

    key: str = ""
    title: str = ""
    priority: int = 0
    metric: str = ""
    target_seconds: int = 0
    breached_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None


@dataclass(frozen=True)
class SlaSection(Stored):
    tickets: int = 0
    response: Compliance = field(default_factory=Compliance)
    resolution: Compliance = field(default_factory=Compliance)
    missed: tuple[MissedTarget, ...] = ()


@dataclass(frozen=True)
class Count(Stored):
    """One row of a count: its stored value (a type, priority, …) and how many."""

    value: str = ""
    label: str = ""
    count: int = 0


@dataclass(frozen=True)
class VolumeSection(Stored):
    """Requests created in the month as the volume report counts them (`picocore.reports.metrics.volume`), by
    request type, priority, solution and channel; and how many were resolved in it (as MTTR counts them). A
    review made before version 2 counted its types as ticket types (incident, change request, …)."""

    created: int = 0
    resolved: int = 0
    by_type: tuple[Count, ...] = ()
    by_priority: tuple[Count, ...] = ()
    by_channel: tuple[Count, ...] = ()
    by_solution: tuple[Count, ...] = ()


@dataclass(frozen=True)
class Timing(Stored):
    """Counted times in whole seconds of business time: how many, their mean and median (None without any)."""

    count: int = 0
    mean_seconds: int | None = None
    median_seconds: int | None = None


@dataclass(frozen=True)
class ResponsivenessSection(Stored):
    """MTTA and MTTR of the month (`picocore.reports.metrics.responsiveness`)."""

    acknowledge: Timing = field(default_factory=Timing)
    resolve: Timing = field(default_factory=Timing)


@dataclass(frozen=True)
class Bucket(Stored):
    """Open tickets that had been open `first` to `last` business days (no `last`: or more)."""

    first: int = 0
    last: int | None = None
    count: int = 0


@dataclass(frozen=True)
class BacklogSection(Stored):
    """The tickets open at the end of the month by business days open (`picocore.reports.metrics.backlog`)."""

    at: dt.datetime | None = None  # the moment counted: the month's end, or when the review was made if earlier
    buckets: tuple[Bucket, ...] = ()

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


@dataclass(frozen=True)
class ReopenSection(Stored):
    """Tickets resolved in the month and how many of them were reopened (`picocore.reports.metrics.reopens`)."""

    resolved: int = 0
    reopened: int = 0
    rate: str | None = None  # two decimals, as text


@dataclass(frozen=True)
class HourBankSection(Stored):
    """The month of the hour bank exactly as the ledger has it (`picocore.hours.selectors.bank_month`)."""

    has_bank: bool = False
    included: int = 0
    carried_in: int = 0
    added: int = 0
    used: int = 0
    remaining: int = 0
    overage: int = 0
    expired: int = 0
    carried_out: int = 0
    closed: bool = False

    @property
    def available(self) -> int:
        return self.included + self.carried_in + self.added


@dataclass(frozen=True)
class RatingLine(Stored):
    key: str = ""
    title: str = ""
    score: int = 0  # on its own scale
    comment: str = ""
    rated_at: dt.datetime | None = None
    scale: int | None = None  # the rating's own scale; None in a review made before version 2 (the section's)


@dataclass(frozen=True)
class SatisfactionSection(Stored):
    """The satisfaction report's figures for the month (`picocore.reports.metrics.satisfaction`): resolutions
    offered a rating, the ratings given for them, the response rate, the mean score (on the 1–5 scale) and how
    many ratings gave each score; the comments, newest first. A review made before version 2 counted the ratings
    given in the month, on the tier's scale, and has no `offered`, `response_rate` or `comments_count`."""

    ratings: int = 0
    average: str | None = None  # two decimals, as text
    scale: int = 5
    by_score: tuple[Count, ...] = ()
    comments: tuple[RatingLine, ...] = ()
    offered: int | None = None
    response_rate: str | None = None  # two decimals, as text
    comments_count: int | None = None


@dataclass(frozen=True)
class MilestoneLine(Stored):
    key: str = ""
    title: str = ""
    team: str = ""
    milestone: str = ""
    reached_at: dt.datetime | None = None


@dataclass(frozen=True)
class ItemLine(Stored):
    key: str = ""
    title: str = ""
    team: str = ""
    milestone: str = ""


@dataclass(frozen=True)
class DevelopmentSection(Stored):
    items: tuple[ItemLine, ...] = ()
    milestones: tuple[MilestoneLine, ...] = ()


@dataclass(frozen=True)
class TicketLine(Stored):
    key: str = ""
    title: str = ""
    ticket_type: str = ""
    priority: int = 0
    status: str = ""
    created_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolution_missed: bool = False


@dataclass(frozen=True)
class Snapshot(Stored):
    """A contract's month as the review shows it."""

    version: int = VERSION
    organisation: str = ""
    tier: str = ""
    month: dt.date | None = None
    time_zone: str = ""
    made_at: dt.datetime | None = None
    sla: SlaSection = field(default_factory=SlaSection)
    responsiveness: ResponsivenessSection | None = None  # None in a review made before version 2
    backlog: BacklogSection | None = None
    reopens: ReopenSection | None = None
    volume: VolumeSection = field(default_factory=VolumeSection)
    hours: HourBankSection = field(default_factory=HourBankSection)
    satisfaction: SatisfactionSection = field(default_factory=SatisfactionSection)
    development: DevelopmentSection = field(default_factory=DevelopmentSection)
    changes: tuple[TicketLine, ...] = ()  # the first MAX_LISTED of `changes_count`
    changes_count: int = 0
    major_incidents: tuple[TicketLine, ...] = ()
    major_incidents_count: int = 0
