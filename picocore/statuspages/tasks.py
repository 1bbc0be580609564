"""Sending status notices in the background."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic


@task()
def send_status_notices(notice_ids: list[int]) -> list[str]:
    """Send the notices one update wrote (enqueued when it commits). Idempotent: a sent notice is skipped."""
    from picocore.statuspages.notices import notice_send

    return [notice_send(notice_id=notice_id) for notice_id in notice_ids]


@periodic(every=dt.timedelta(minutes=1))
@task()
def send_due_status_notices() -> int:
    """Send what is due: webhook retries after their pause, and notices whose worker died before sending them."""
    from picocore.statuspages.notices import due_ids, notice_send

    return [notice_send(notice_id=notice_id) for notice_id in due_ids()].count("sent")
