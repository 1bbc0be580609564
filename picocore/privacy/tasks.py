"""The worker's part of personal data: building exports, deleting expired ones."""

import datetime as dt
import logging

from django.tasks import task

from picocore.core.tasks import periodic
from picocore.privacy.services.exports import export_build, exports_expire

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
