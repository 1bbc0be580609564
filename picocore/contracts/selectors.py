"""Reading contracts."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from picocore.contracts.models import Contract, SlaTarget
from picocore.core import reference
from picocore.core.clock import now
from picocore.tenancy.models import Organisation


def organisation_date(organisation: Organisation, at: dt.datetime | None = None) -> dt.date:
    """The calendar date at the organisation's offices at `at` (now when omitted): contracts start and end on
    the organisation's dates, so the UTC date is wrong for the hours around its midnight."""
    moment = at or now()
    return moment.astimezone(zoneinfo.ZoneInfo(organisation.time_zone)).date()


def contracts_in_force_query(*, organisation: Organisation, at: dt.datetime | None = None) -> QuerySet[Contract]:
    """The organisation's contracts in force at the moment `at` (now when omitted), judged by the organisation's
    local date, the one that counts first (the latest-starting one if several overlap): a query to build on."""
    day = organisation_date(organisation, at)
    return (
        Contract.objects.filter(organisation=organisation, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on", "-id")
    )


def contract_in_force(*, organisation: Organisation, at: dt.datetime | None = None) -> Contract | None:
    """The organisation's contract in force at the moment `at` (now when omitted), judged by the organisation's
    local date; the latest-starting one if several overlap."""
    return contracts_in_force_query(organisation=organisation, at=at).select_related("tier", "calendar").first()


def kept_contract_in_force(*, organisation: Organisation, at: dt.datetime | None = None) -> Contract | None:
    """`contract_in_force`, judged the same way, from the organisation's contracts as the process keeps them
    (`organisation_contracts`): no query once they are known. Shared: read it, never change it."""
    day = organisation_date(organisation, at)
    return next((c for c in organisation_contracts(organisation.pk) if c.in_force_on(day)), None)


def organisation_contracts(organisation_id: int) -> tuple[Contract, ...]:
    """Every contract of the organisation with its tier and calendar, the latest-starting first (the one that wins
    where several are in force), kept per process while the reference data is unchanged (`reference.cached`).
    Shared: read them, never change them."""
    return every_contract().get(organisation_id, ())


def every_contract() -> dict[int, tuple[Contract, ...]]:
    """Every organisation's contracts (`organisation_contracts`) by organisation id, each with its calendar's
    opening hours, closed days and extra openings, read once (four queries) and kept per process while the
    reference data is unchanged. Shared: read them, never change them."""
    return reference.cached("contracts.every", _every_contract)


def _every_contract() -> dict[int, tuple[Contract, ...]]:
    grouped: dict[int, list[Contract]] = {}
    contracts = (
        Contract.objects.select_related("tier", "calendar")
        .prefetch_related("calendar__intervals", "calendar__closed_days", "calendar__extra_open")
        .order_by("-starts_on", "-id")
    )
    for contract in contracts:
        grouped.setdefault(contract.organisation_id, []).append(contract)
    return {organisation_id: tuple(contracts) for organisation_id, contracts in grouped.items()}


def contracts_in_force(*, organisations: Iterable[Organisation], at: dt.datetime | None = None) -> dict[int, Contract]:
    """The contract in force at `at` for each organisation that has one, by organisation id, judged exactly as
    `contract_in_force` judges it (each organisation's local date, the latest-starting one winning), with its
    tier and calendar, from the contracts the process keeps (`every_contract`): no query once they are known,
    whatever the number of organisations. Shared: read them, never change them."""
    moment = at or now()
    organisations = list(organisations)
    kept = every_contract() if organisations else {}
    chosen: dict[int, Contract] = {}
    for organisation in organisations:
        day = organisation_date(organisation, moment)
        contract = next((c for c in kept.get(organisation.pk, ()) if c.in_force_on(day)), None)
        if contract is not None:
            chosen[organisation.pk] = contract
    return chosen


def organisation_contract_list(*, organisation: Organisation) -> QuerySet[Contract]:
    """Every contract of `organisation`, past, present and future, with its tier, calendar and SLA targets (the
    tier's defaults and the contract's overrides) prefetched: two more queries whatever the number of contracts.
    The caller has checked that the actor may see the organisation."""
    targets = SlaTarget.objects.order_by("priority", "metric")
    return (
        Contract.objects.filter(organisation=organisation)
        .select_related("tier", "calendar")
        .prefetch_related(Prefetch("sla_targets", queryset=targets), Prefetch("tier__sla_targets", queryset=targets))
    )
