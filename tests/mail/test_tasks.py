"""The processing task and the sweep that picks up messages whose task was lost."""

import datetime as dt

import pytest
from django.utils import timezone

from picocore.core.tasks import discover_periodic_jobs
from picocore.mail.models import InboundMessage, InboundStatus
from picocore.mail.services import mail_receive
from picocore.mail.tasks import process_inbound_message, process_stale_inbound_messages
from tests.mail.conftest import corpus

pytestmark = pytest.mark.django_db


def test_receiving_enqueues_processing_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receipt = mail_receive(raw=corpus("gmail_new_request.eml"), source="pipe")
    assert len(callbacks) == 1
    assert InboundMessage.objects.get().status == InboundStatus.RECEIVED
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert not mail_receive(raw=corpus("gmail_new_request.eml"), source="pipe").created
    assert again == []  # a duplicate schedules nothing
    assert process_inbound_message.call(receipt.message.pk) == InboundStatus.PROCESSED
    assert process_inbound_message.call(receipt.message.pk) == InboundStatus.PROCESSED  # idempotent
    assert process_inbound_message.call(999_999) == ""


def test_the_sweep_processes_messages_whose_task_was_lost(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        old = mail_receive(raw=corpus("gmail_new_request.eml"), source="pipe").message
        new = mail_receive(raw=corpus("thunderbird_latin1.eml"), source="pipe").message
    InboundMessage.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(minutes=6))
    assert process_stale_inbound_messages.call() == 1
    assert InboundMessage.objects.get(pk=old.pk).status == InboundStatus.PROCESSED
    assert InboundMessage.objects.get(pk=new.pk).status == InboundStatus.RECEIVED
    assert process_stale_inbound_messages.call() == 0


def test_the_sweep_is_a_periodic_job():
    assert discover_periodic_jobs()["picocore.mail.tasks.process_stale_inbound_messages"].every == dt.timedelta(
        minutes=5
    )
