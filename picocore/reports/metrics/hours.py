"""Hours used: the time logged on tickets, per customer or per consultant, as the hour bank counts it.

- Entries count by their **ledger month** (the month of the bank they were booked in), so whole months:
  the figures of a month equal that month's ledger.
- **Worked**: the minutes logged, billable and not billable. **Debited**: the minutes the billable entries
  took from the bank after the contract's rounding and rate multipliers (outside hours, weekends, public
  holidays), as stored with each entry when it was debited (`picocore.hours.selectors.time_used`).
- Per customer also the ledger's **adjustments** of those months (charged and added minutes); **used** is
  debited plus charged, the bank's "used" of the same months. Adjustments belong to no team or consultant:
  with a team filter they are left out.
- Tier and contract: the contract the entry was booked against; team: the ticket's owning team.
"""

from dataclasses import dataclass

from django.db.models import Q

from picocore.hours.models import LedgerAdjustment, TimeEntry
from picocore.hours.selectors import adjustments_made, time_used
from picocore.reports.metrics.common import Scope, scope_contracts, without_jit
from picocore.reports.metrics.labels import Labelled, group_labels

HOURS_GROUPS = ("organisation", "consultant")
ENTRY_FIGURES = ("entries", "billable_minutes", "non_billable_minutes", "debited_minutes")
ALL_FIGURES = (*ENTRY_FIGURES, "charged_minutes", "added_minutes")


@dataclass(frozen=True)
class HoursRow(Labelled):
    """Minutes of one customer or consultant."""

    entries: int
    billable_minutes: int
    non_billable_minutes: int
    debited_minutes: int
    charged_minutes: int = 0  # adjustments charging the bank (per customer only)
    added_minutes: int = 0  # adjustments adding to it (per customer only)

    @property
    def worked_minutes(self) -> int:
        return self.billable_minutes + self.non_billable_minutes

    @property
    def used_minutes(self) -> int:
        """What the bank counts as used: debited plus charged by adjustments."""
        return self.debited_minutes + self.charged_minutes


@dataclass(frozen=True)
class Hours:
    scope: Scope
    group_by: str
    rows: tuple[HoursRow, ...]
    total: HoursRow


def _entries(scope: Scope, tier_contracts: list[int] | None) -> Q:
    where = Q(
        organisation_id__in=sorted(scope.organisation_ids), month__gte=scope.first_month, month__lte=scope.last_month
    )
    if scope.contract is not None:
        where &= Q(contract_id=scope.contract)
    if tier_contracts is not None:
        where &= Q(contract_id__in=tier_contracts)
    return where


@without_jit
def hours_used(scope: Scope, *, group_by: str = "organisation") -> Hours:
    """The scope's hours (module docstring) per organisation or consultant (the entry's author), largest use
    first. A constant number of queries (contracts, entries, adjustments, the groups' names)."""
    if group_by not in HOURS_GROUPS:
        raise ValueError(f"group_by is one of {HOURS_GROUPS}")
    contracts = scope_contracts(scope)
    tier_contracts = [c.pk for c in contracts.contracts if c.tier_id == scope.tier] if scope.tier is not None else None
    where = _entries(scope, tier_contracts)
    entries = TimeEntry.objects.filter(where)
    if scope.team is not None:
        entries = entries.filter(ticket__team_id=scope.team)
    field = "organisation_id" if group_by == "organisation" else "author_id"
    figures: dict[object, dict[str, int]] = {}
    for found in time_used(entries, field):
        figures[found[field]] = {name: found[name] for name in ENTRY_FIGURES}
    if group_by == "organisation" and scope.team is None:
        for found in adjustments_made(LedgerAdjustment.objects.filter(where), "organisation_id"):
            row = figures.setdefault(
                found["organisation_id"],
                dict.fromkeys(ENTRY_FIGURES, 0),
            )
            row["charged_minutes"], row["added_minutes"] = found["charged"], found["added"]
    labels = group_labels(group_by, figures.keys(), contracts)
    rows = sorted(
        (HoursRow(key=key, label=labels[key], **values) for key, values in figures.items()),
        key=lambda row: (-row.used_minutes, -row.worked_minutes, labels.sort_key(row.key)),
    )
    total = HoursRow(key=None, label="", **{name: sum(getattr(row, name) for row in rows) for name in ALL_FIGURES})
    return Hours(scope=scope, group_by=group_by, rows=tuple(rows), total=total)
