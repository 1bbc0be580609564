"""The hour bank's scheduled work: closing each contract's ended months on the contract's closing day."""

import datetime as dt
import logging
from collections.abc import Collection

from django.tasks import task

from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.tasks import periodic
from picocore.hours.models import HourTerms
from picocore.hours.services import ledger_close

logger = logging.getLogger(__name__)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def close_due_months(moment: dt.datetime | None = None, *, organisation_ids: Collection[int] | None = None) -> int:
    """Close, for every contract with hour terms (of these organisations only, when given), the months that
    ended before the last one once the organisation's local day reaches the terms' closing day (before it, the
    month just ended stays open for late entries). Idempotent: months already closed are skipped. Returns how
    many months it closed."""
    moment = moment or now()
    closed = 0
    contracts = Contract.objects.filter(hour_terms__isnull=False).select_related("organisation", "hour_terms")
    if organisation_ids is not None:
        contracts = contracts.filter(organisation_id__in=organisation_ids)
    for contract in contracts:
        terms: HourTerms = contract.hour_terms
        today = organisation_date(contract.organisation, moment)
        through = previous_month(today) if today.day >= terms.close_day else previous_month(previous_month(today))
        if contract.ends_on is not None:
            through = min(through, contract.ends_on.replace(day=1))
        if through < contract.starts_on.replace(day=1):
            continue
        closed += len(ledger_close(actor=None, contract=contract, through=through))
    return closed


@periodic(every=dt.timedelta(hours=1))
@task()
def close_hour_bank_months() -> int:
    closed = close_due_months()
    if closed:
        logger.info("Closed %s month(s) of hour banks", closed)
    return closed
