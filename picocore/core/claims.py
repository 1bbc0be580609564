"""Claims with an expiry on work rows (e-mails, deliveries, notices): a worker takes a due row by setting its
`claimed_until`; a row whose claim has run out is free again, so a worker that died never holds one for good.

Guarantee: `claim` is one conditional UPDATE, so of two workers asking for the same row at once exactly one
wins; the loser sees 0 rows changed and leaves the row alone.
"""

import datetime as dt

from django.db.models import Model, Q, QuerySet


def unclaimed(moment: dt.datetime) -> Q:
    """Rows nobody holds at `moment`: never claimed, or the claim ran out (a condition on `claimed_until`)."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=moment)


def claim[M: Model](rows: QuerySet[M], moment: dt.datetime, hold: dt.timedelta) -> int:
    """Claim the free rows of `rows` until `moment + hold`; how many this worker now holds."""
    return rows.filter(unclaimed(moment)).update(claimed_until=moment + hold)
