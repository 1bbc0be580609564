"""Sending the outbox in the background."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic


@task()
def send_outbox_email(email_id: int) -> str:
    """Send one e-mail (enqueued when its row commits). Idempotent: a sent or claimed row is skipped."""
    from picocore.outbox.services import outbox_send

    return outbox_send(email_id=email_id)


@periodic(every=dt.timedelta(minutes=1))
@task()
def send_due_outbox() -> int:
    """Send what is due: retries after their pause, and e-mails whose worker died before sending them."""
    from django.core.mail import mailers

    from picocore.outbox.services import outbox_due_ids, outbox_send

    due = outbox_due_ids()
    if not due:
        return 0
    with mailers.default as connection:  # one SMTP session for the whole batch
        return sum(outbox_send(email_id=email_id, connection=connection) == "sent" for email_id in due)
