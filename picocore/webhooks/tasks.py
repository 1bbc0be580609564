"""Sending webhooks in the background."""

import datetime as dt

from django.tasks import task

from picocore.core.tasks import periodic


@task()
def deliver_webhooks(msg_ids: list[str]) -> list[str]:
    """Post the deliveries one change wrote (enqueued when it commits). Idempotent: a delivered, dead or
    claimed delivery is skipped."""
    from picocore.webhooks.sending import claim, deliver_claimed

    return deliver_claimed(claim(msg_ids=msg_ids))


@periodic(every=dt.timedelta(seconds=30))
@task()
def deliver_due_webhooks() -> int:
    """Post what is due: retries after their pause, and deliveries whose worker died before posting them."""
    from picocore.webhooks.sending import claim, deliver_claimed

    return deliver_claimed(claim()).count("delivered")
