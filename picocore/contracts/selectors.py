"""Reading contracts."""

import datetime as dt

from django.db.models import Q

from picocore.contracts.models import Contract
from picocore.tenancy.models import Organisation


def contract_in_force(*, organisation: Organisation, on: dt.date) -> Contract | None:
    """The organisation's contract in force on `on` (the latest-starting one if several overlap)."""
    return (
        Contract.objects.filter(organisation=organisation, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("tier", "calendar")
        .order_by("-starts_on", "-id")
        .first()
    )
