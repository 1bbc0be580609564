"""The reviews' scheduled work: on the first business day of a month (by each contract's calendar), the review
of the month before is made for every contract that was in force in it."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.tasks import task

from picocore.contracts.models import Contract
from picocore.contracts.selectors import organisation_date
from picocore.core.clock import now
from picocore.core.tasks import periodic
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from picocore.reviews.schedule import add_months, due_month
from picocore.sla.calendar import BusinessCalendar
from picocore.sla.models import BusinessHoursCalendar
from picocore.sla.services import usable_calendar

logger = logging.getLogger(__name__)


def _calendar_day(contract: Contract, moment: dt.datetime) -> tuple[BusinessCalendar | None, dt.date]:
    """The contract's pure calendar and today's date where it counts: the calendar's time zone, else the
    organisation's."""
    calendar = usable_calendar(contract.calendar)[0] if contract.calendar is not None else None
    if calendar is not None:
        return calendar, moment.astimezone(ZoneInfo(calendar.time_zone)).date()
    return None, organisation_date(contract.organisation, moment)


def _in_force_in(contract: Contract, month: dt.date) -> bool:
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    return contract.starts_on <= last_day and (contract.ends_on is None or contract.ends_on >= month)


def due_reviews(moment: dt.datetime | None = None) -> list[tuple[Contract, dt.date]]:
    """The (contract, month) pairs whose review is due at `moment` and not made yet: the month before, from
    the first business day of this one, for contracts in force in that month."""
    moment = moment or now()
    calendars = BusinessHoursCalendar.objects.prefetch_related("intervals", "closed_days", "extra_open")
    contracts = (
        Contract.objects.select_related("organisation", "tier")
        .prefetch_related(Prefetch("calendar", queryset=calendars))
        .order_by("id")
    )
    due = []
    for contract in contracts:
        calendar, today = _calendar_day(contract, moment)
        month = due_month(calendar, today)
        if month is not None and _in_force_in(contract, month):
            due.append((contract, month))
    if not due:
        return []
    made = set(
        ServiceReview.objects.filter(
            contract_id__in=[c.pk for c, _m in due], month__in={m for _c, m in due}
        ).values_list("contract_id", "month")
    )
    return [(contract, month) for contract, month in due if (contract.pk, month) not in made]


def make_due_reviews(moment: dt.datetime | None = None) -> int:
    """Make every review due at `moment`; returns how many were made. Idempotent: a review already made (by an
    earlier run, or by another worker at the same time) is not made again."""
    moment = moment or now()
    made = 0
    for contract, month in due_reviews(moment):
        made += review_make(contract=contract, month=month, at=moment)[1]
    return made


@periodic(every=dt.timedelta(hours=1))
@task()
def make_service_reviews() -> int:
    made = make_due_reviews()
    if made:
        logger.info("Made %s monthly service review(s)", made)
    return made
