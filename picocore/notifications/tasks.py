"""Notifying in the background: the fan-out of a timeline event, queued in the event's own transaction."""

from django.tasks import task


@task()
def fan_out_event(event_id: int) -> int:
    """Write the notifications (in the app and the outbox's e-mails) of one timeline event; returns how many
    people were notified. Idempotent: a second run, a retry after a crash, notifies nobody twice."""
    from picocore.notifications.dispatch import event_fan_out

    return event_fan_out(event_id=event_id)
