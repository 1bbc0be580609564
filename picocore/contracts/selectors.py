"""Reading contracts."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Q

from picocore.contracts.models import Contract
from picocore.core import reference
from picocore.core.clock import now
from picocore.tenancy.models import Organisation


def organisation_date(organisation: Organisation, at: dt.datetime | None = None) -> dt.date:
    """The calendar date at the organisation's offices at `at` (now when omitted): contracts start and end on
    the organisation's dates, so the UTC date is wrong for the hours around its midnight."""
    moment = at or now()
    return moment.astimezone(zoneinfo.ZoneInfo(organisation.time_zone)).date()


def contract_in_force(*, organisation: Organisation, at: dt.datetime | None = None) -> Contract | None:
    """The organisation's contract in force at the moment `at` (now when omitted), judged by the organisation's
    local date; the latest-starting one if several overlap."""
    day = organisation_date(organisation, at)
    return (
        Contract.objects.filter(organisation=organisation, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("tier", "calendar")
        .order_by("-starts_on", "-id")
        .first()
    )


def kept_contract_in_force(*, organisation: Organisation, at: dt.datetime | None = None) -> Contract | None:
    """`contract_in_force`, judged the same way, from the organisation's contracts as the process keeps them
    (`organisation_contracts`): no query once they are known. Shared: read it, never change it."""
    day = organisation_date(organisation, at)
    return next((c for c in organisation_contracts(organisation.pk) if c.in_force_on(day)), None)


def organisation_contracts(organisation_id: int) -> tuple[Contract, ...]:
    """Every contract of the organisation with its tier and calendar, the latest-starting first (the one that wins
    where several are in force), kept per process while the reference data is unchanged (`reference.cached`).
    Shared: read them, never change them."""
    return reference.cached("contracts.of_organisation", _organisation_contracts, organisation_id)


def _organisation_contracts(organisation_id: int) -> tuple[Contract, ...]:
    return tuple(
        Contract.objects.filter(organisation_id=organisation_id)
        .select_related("tier", "calendar")
        .order_by("-starts_on", "-id")
    )


def contracts_in_force(*, organisations: Iterable[Organisation], at: dt.datetime | None = None) -> dict[int, Contract]:
    """The contract in force at `at` for each organisation that has one, by organisation id, judged exactly as
    `contract_in_force` judges it (each organisation's local date, the latest-starting one winning), with its
    tier and calendar: one query, whatever the number of organisations."""
    moment = at or now()
    days = {organisation.pk: organisation_date(organisation, moment) for organisation in organisations}
    if not days:
        return {}
    candidates = (
        Contract.objects.filter(organisation_id__in=days, starts_on__lte=max(days.values()))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=min(days.values())))
        .select_related("tier", "calendar")
        .order_by("-starts_on", "-id")
    )
    chosen: dict[int, Contract] = {}
    for contract in candidates:
        day = days[contract.organisation_id]
        if contract.starts_on <= day and (contract.ends_on is None or contract.ends_on >= day):
            chosen.setdefault(contract.organisation_id, contract)
    return chosen
