"""The changes' scheduled work: reminding the approvers who have not decided yet."""

import datetime as dt
import logging

from django.tasks import task

from picocore.changes.approvals import approvals_remind
from picocore.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic(every=dt.timedelta(hours=1))
@task()
def remind_change_approvers() -> int:
    """Once an hour: re-send the approval link to approvers who have not decided after the CAB settings' reminder
    interval (each at most once per interval; `approvals_remind` says when)."""
    reminded = approvals_remind()
    if reminded:
        logger.info("Reminded %s change approver(s)", reminded)
    return reminded
