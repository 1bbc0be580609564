"""Making monthly service reviews from their month's figures.

Guarantees: one review per contract and month, whoever makes it how often (the unique constraint decides a
race; the loser gets the winner's review); its figures are frozen when it is made. Kept apart from the
services the pages call, as the figures come from the reports, which sit above the portal and the desk.
"""

import datetime as dt

from django.db import IntegrityError, transaction

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.contracts.models import Contract
from picocore.core.clock import now
from picocore.reviews import figures
from picocore.reviews.models import ServiceReview
from picocore.reviews.schedule import month_start


def review_make(*, contract: Contract, month: dt.date, at: dt.datetime | None = None) -> tuple[ServiceReview, bool]:
    """The contract's review of `month`, made now from the month's figures if it does not exist yet; returns it
    and whether it was made. Idempotent and safe to run concurrently: an existing review is returned unchanged
    (its figures stay frozen), and of two runs at once the unique constraint lets one insert; the other returns
    that one's review."""
    month = month_start(month)
    existing = ServiceReview.objects.filter(contract=contract, month=month).first()
    if existing is not None:
        return existing, False
    at = at or now()
    data = figures.contract_month(contract, month, at=at).to_data()
    try:
        with transaction.atomic():
            review = ServiceReview.objects.create(
                organisation_id=contract.organisation_id, contract=contract, month=month, snapshot=data, made_at=at
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATED,
                instance=review,
                changes={"month": {"before": None, "after": f"{month:%Y-%m}"}},
            )
    except IntegrityError:
        winner = ServiceReview.objects.filter(contract=contract, month=month).first()
        if winner is None:
            raise
        return winner, False
    return review, True
