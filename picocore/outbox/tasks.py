"""Sending the outbox in the background."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic


@task()
def send_outbox_emails(email_ids: list[int]) -> list[str]:
    """Send the e-mails one change wrote (enqueued when they commit), over one SMTP session. Idempotent: a sent
    or claimed row is skipped."""
    from picocore.outbox.services import outbox_send_many

    return outbox_send_many(email_ids=email_ids)


@periodic(every=dt.timedelta(minutes=1))
@task()
def send_due_outbox() -> int:
    """Send what is due: retries after their pause, and e-mails whose worker died before sending them."""
    from picocore.outbox.services import outbox_due_ids, outbox_send_many

    return outbox_send_many(email_ids=outbox_due_ids()).count("sent")
