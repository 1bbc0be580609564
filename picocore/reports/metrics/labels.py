"""Names for the groups a figure is counted in, read in one query for all of them, and the order they are
listed in."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from picocore.catalog.choices import Priority
from picocore.catalog.models import RequestType
from picocore.cmdb.models import Solution
from picocore.reports.metrics.common import Contracts
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.choices import Channel


@dataclass(frozen=True)
class Labelled:
    """A row of a figure: the group's key (an id, a priority, a month's first day, a channel; None for "none")
    and its name for people."""

    key: Any
    label: str


class Labels:
    """The names of a dimension's keys, and a sort key that lists them as people expect (names alphabetically,
    tiers by rank, priorities and months in order; "none" last)."""

    def __init__(self, names: dict[Any, str], order: dict[Any, tuple] | None = None) -> None:
        self.names = names
        self.order = order or {}

    def __getitem__(self, key: Any) -> str:
        return self.names[key]

    def sort_key(self, key: Any) -> tuple:
        if key in self.order:
            return (key is None, *self.order[key])
        return (key is None, self.names.get(key, "").casefold(), str(key))


def _names(model: type[Any], keys: set[Any], field: str) -> dict[Any, str]:
    ids = sorted(key for key in keys if key is not None)
    return dict(model.objects.filter(pk__in=ids).values_list("pk", field)) if ids else {}


def group_labels(group_by: str, keys: Iterable[Any], contracts: Contracts) -> Labels:
    """Names for `keys` of the dimension `group_by`: at most one query (organisation, team, consultant, request
    type, solution names); tiers come from `contracts`."""
    wanted = set(keys)
    names: dict[Any, str]
    if group_by == "organisation":
        names = _names(Organisation, wanted, "name")
        return Labels({key: names.get(key, str(key)) for key in wanted})
    if group_by == "contract":
        by_id = contracts.by_id
        names = {}
        order: dict[Any, tuple] = {}
        for key in wanted:
            contract = by_id.get(key) if key is not None else None
            if contract is None:
                names[key], order[key] = _("No contract"), ("",)
            else:
                names[key] = _("%(organisation)s · %(tier)s from %(start)s") % {
                    "organisation": contract.organisation.name,
                    "tier": contract.tier.name,
                    "start": contract.starts_on.isoformat(),
                }
                order[key] = (contract.organisation.name.casefold(), contract.starts_on.isoformat())
        return Labels(names, order)
    if group_by == "tier":
        tiers = {contract.tier_id: contract.tier for contract in contracts.contracts}
        names = {key: tiers[key].name if key in tiers else _("No contract") for key in wanted}
        order = {key: (tiers[key].rank, tiers[key].name) if key in tiers else (0, "") for key in wanted}
        return Labels(names, order)
    if group_by == "priority":
        return Labels({key: Priority(key).label for key in wanted}, {key: (key,) for key in wanted})
    if group_by == "month":
        return Labels({key: date_format(key, "M Y") for key in wanted}, {key: (key,) for key in wanted})
    if group_by == "channel":
        return Labels({key: str(Channel(key).label) if key in Channel.values else str(key) for key in wanted})
    if group_by == "team":
        names = _names(Team, wanted, "name")
        return Labels({key: names.get(key, str(key)) if key is not None else _("No team") for key in wanted})
    if group_by == "consultant":
        names = _names(User, wanted, "full_name")
        return Labels({key: names.get(key, str(key)) if key is not None else _("Unassigned") for key in wanted})
    if group_by == "request_type":
        names = _names(RequestType, wanted, "name")
        return Labels({key: names.get(key, str(key)) for key in wanted})
    if group_by == "solution":
        names = _names(Solution, wanted, "name")
        return Labels({key: names.get(key, str(key)) if key is not None else _("No solution") for key in wanted})
    raise ValueError(f"no labels for {group_by!r}")


def month_key(value: Any) -> dt.date:
    """A month as its first day, whatever the database returned for it."""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value, timezone.get_default_timezone()).date().replace(day=1)
    return value.replace(day=1)
