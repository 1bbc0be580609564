"""The reports' figures as plain functions: each takes a `Scope` (organisation ids, a period of whole days,
optionally a tier, team or contract) and returns frozen dataclasses, in a constant number of queries whatever
the data size. They know nothing of who asks: the report pages and the monthly service review scope the
organisations first (`picocore.tenancy.scope.served_organisations`, the customer's own organisation), then call
the same functions, so the same scope gives the same figures everywhere.

Stable API (keyword arguments after the scope):

- `backlog(scope, group_by=..., now=None)` → `Backlog`: open tickets at the end of the period by business days
  open (`BUCKETS`);
- `volume(scope, dimension=...)` → `Volume`: tickets created per month and request type, priority, solution
  or channel; `volumes(scope, dimensions)` the same for several dimensions, the contracts read once;
- `responsiveness(scope, group_by=...)` → `Responsiveness`: MTTA and MTTR in business time, mean and median;
- `reopen_rate(scope, group_by=...)` → `Reopens`: share of resolved tickets reopened;
- `hours_used(scope, group_by=...)` → `Hours`: minutes worked, debited and adjusted, as the hour bank counts;
- `satisfaction(scope, group_by=..., comments=100)` → `Satisfaction`: response rate, score, comments;
- `deflection(scope, group_by=...)` → `Deflection`: what suggestions shown while customers wrote requests solved.

`month_period(day)` gives the `start` and `end` of the month `day` is in. Each module's docstring says exactly
how its figures are counted; the report pages show the same text.
"""

from picocore.reports.metrics.backlog import BACKLOG_GROUPS, BUCKETS, Backlog, BacklogRow, backlog, bucket_label
from picocore.reports.metrics.common import Durations, Scope, month_period
from picocore.reports.metrics.deflection import DEFLECTION_GROUPS, Deflection, DeflectionRow, deflection
from picocore.reports.metrics.hours import HOURS_GROUPS, Hours, HoursRow, hours_used
from picocore.reports.metrics.reopens import REOPEN_GROUPS, ReopenRow, Reopens, reopen_rate
from picocore.reports.metrics.responsiveness import (
    RESPONSIVENESS_GROUPS,
    Responsiveness,
    ResponsivenessRow,
    responsiveness,
)
from picocore.reports.metrics.satisfaction import (
    SATISFACTION_GROUPS,
    Comment,
    Satisfaction,
    SatisfactionRow,
    satisfaction,
)
from picocore.reports.metrics.volume import VOLUME_DIMENSIONS, Volume, VolumeRow, volume, volumes

__all__ = [
    "BACKLOG_GROUPS",
    "BUCKETS",
    "DEFLECTION_GROUPS",
    "HOURS_GROUPS",
    "REOPEN_GROUPS",
    "RESPONSIVENESS_GROUPS",
    "SATISFACTION_GROUPS",
    "VOLUME_DIMENSIONS",
    "Backlog",
    "BacklogRow",
    "Comment",
    "Deflection",
    "DeflectionRow",
    "Durations",
    "Hours",
    "HoursRow",
    "ReopenRow",
    "Reopens",
    "Responsiveness",
    "ResponsivenessRow",
    "Satisfaction",
    "SatisfactionRow",
    "Scope",
    "Volume",
    "VolumeRow",
    "backlog",
    "bucket_label",
    "deflection",
    "hours_used",
    "month_period",
    "reopen_rate",
    "responsiveness",
    "satisfaction",
    "volume",
    "volumes",
]
