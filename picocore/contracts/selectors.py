"""Reading contracts."""

import datetime as dt
import zoneinfo

from django.db.models import Q

from picocore.contracts.models import Contract
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
