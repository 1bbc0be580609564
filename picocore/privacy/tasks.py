"""The worker's part of personal data: building exports, deleting expired ones, applying the retention."""

import datetime as dt
import logging

from django.tasks import task

from picocore.core.tasks import periodic
from picocore.privacy.services.exports import export_build, exports_expire
from picocore.privacy.services.retention import retention_apply

logger = logging.getLogger(__name__)


@task()
def build_personal_data_export(export_id: int) -> bool:
    return export_build(export_id=export_id)


@periodic(every=dt.timedelta(hours=1))
@task()
def expire_personal_data_exports() -> int:
    expired = exports_expire()
    if expired:
        logger.info("Deleted %s expired personal data export(s)", expired)
    return expired


@periodic(every=dt.timedelta(days=1))
@task()
def apply_retention() -> dict[str, object]:
    """Once a day: anonymise the closed requests past their contract's retention, but those on legal hold;
    returns the run's counts. Idempotent: a doubled run finds nothing left to do."""
    run = retention_apply()
    if run.counts.get("anonymised"):
        logger.info("Anonymised %s request(s) past their contract's retention", run.counts["anonymised"])
    return dict(run.counts)
