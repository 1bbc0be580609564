"""Background jobs of inbound e-mail. Each takes ids and is idempotent (see `mail_process`)."""

import datetime as dt

from django.tasks import task

from picocore.core.clock import now
from picocore.core.tasks import periodic

STALE_AFTER = dt.timedelta(minutes=5)
BATCH = 500


@task()
def process_inbound_message(inbound_id: int) -> str:
    """Process one stored message; returns its status afterwards ("" if it no longer exists)."""
    from picocore.mail.services import mail_process

    message = mail_process(inbound_id=inbound_id)
    return message.status if message is not None else ""


@periodic(every=dt.timedelta(minutes=5))
@task()
def process_stale_inbound_messages() -> int:
    """Enqueue messages still `received` a while after they arrived (their task was lost with a crashed
    worker or a database outage); returns how many. Processing a message twice changes nothing."""
    from picocore.mail.models import InboundMessage, InboundStatus

    stale = (
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=now() - STALE_AFTER)
        .order_by("received_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    ids = list(stale)
    for inbound_id in ids:
        process_inbound_message.enqueue(inbound_id)
    return len(ids)
