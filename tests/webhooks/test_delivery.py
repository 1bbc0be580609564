"""Deliveries end to end, to a real receiver on loopback: written with the change, signed by the recipe,
retried with new timestamps and the same id, rotated, given up on, logged and redelivered."""

import datetime as dt
import json

import pytest
from django.db import transaction

from picocore.notifications.models import Notification, NotificationKind
from picocore.outbox.models import OutboxEmail
from picocore.webhooks import sending
from picocore.webhooks.choices import DeliveryState, EventType
from picocore.webhooks.models import Delivery, DeliveryAttempt, Subscription
from picocore.webhooks.services import (
    SubscriptionFields,
    delivery_redeliver,
    subscription_create,
    subscription_rotate_secret,
)
from tests.webhooks.conftest import recipe_verifies


def subscribe(manager, url, *, events=(EventType.TICKET_CREATED,), organisation=None):
    fields = SubscriptionFields(
        name="Chat", url=url, organisation_id=organisation.pk if organisation else None, events=list(events)
    )
    return subscription_create(actor=manager, fields=fields)


def due_now(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


def run_due() -> list[str]:
    return sending.deliver_claimed(sending.claim())


def test_a_new_ticket_is_posted_signed_by_the_recipe(acme, manager, receiver, django_capture_on_commit_callbacks):
    _subscription, secret = subscribe(manager, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = acme.ticket()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert recipe_verifies(secret, got.headers, got.body)
    assert got.json["type"] == "ticket.created"
    assert got.json["data"]["ticket"] == {
        "key": ticket.key, "title": ticket.title, "status": ticket.status, "priority": ticket.priority,
        "organisation": acme.organisation.slug, "url": f"http://127.0.0.1:8000/portal/requests/{ticket.key}/",
        "desk_url": f"http://127.0.0.1:8000/desk/tickets/{ticket.key}/",
    }  # fmt: skip
    assert "Since this morning" not in got.body.decode()  # the description is not announced
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, got.headers["webhook-id"]) == ("delivered", 1, delivery.msg_id)
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.number, attempt.response_status, attempt.request_body) == (1, 204, got.body.decode())
    assert attempt.request_headers["webhook-signature"] == got.headers["webhook-signature"]


def test_only_chosen_events_of_the_right_organisation_are_sent(acme, nord, manager, receiver,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    subscribe(manager, receiver.url, events=[EventType.TICKET_STATUS_CHANGED], organisation=nord.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = acme.ticket()
        nord_ticket = nord.ticket()
    assert receiver.received == []
    assert Delivery.objects.count() == 0
    assert ticket.pk != nord_ticket.pk


def test_an_event_in_a_rolled_back_transaction_sends_nothing(acme, manager, receiver,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    subscribe(manager, receiver.url)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        acme.ticket()
        assert Delivery.objects.count() == 1
        raise RuntimeError
    assert Delivery.objects.count() == 0
    assert receiver.received == []


def test_failures_are_retried_signed_anew_with_the_same_id(acme, manager, receiver,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    _subscription, secret = subscribe(manager, receiver.url)
    receiver.answer((500, b"oops\x00" + b"x" * 5000), (503, b"later"))
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    pause = delivery.next_attempt_at - DeliveryAttempt.objects.get().started_at
    assert dt.timedelta(seconds=3) < pause < dt.timedelta(seconds=7)
    assert run_due() == []  # not due yet
    due_now(delivery)
    assert run_due() == ["retry"]
    due_now(delivery)
    assert run_due() == ["delivered"]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {delivery.msg_id}
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) >= 1
    assert all(recipe_verifies(secret, r.headers, r.body) for r in receiver.received)
    attempts = list(DeliveryAttempt.objects.order_by("number"))
    assert [(a.number, a.response_status) for a in attempts] == [(1, 500), (2, 503), (3, 204)]
    assert attempts[0].response_body == "oops" + "x" * 2043  # 2 KB excerpt, NUL removed
    # A new timestamp per attempt: each attempt's signed headers are its own.
    assert [a.request_headers["webhook-timestamp"] for a in attempts] == [
        r.headers["webhook-timestamp"] for r in receiver.received
    ]


def test_timestamps_differ_between_attempts(acme, manager, receiver, django_capture_on_commit_callbacks, monkeypatch):
    _subscription, secret = subscribe(manager, receiver.url)
    receiver.answer((500, b""))
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=7)
    monkeypatch.setattr(sending, "now", lambda: later)
    assert run_due() == ["delivered"]
    first, second = receiver.received
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) >= 7 * 60 - 1
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert recipe_verifies(secret, second.headers, second.body)


def test_the_back_off_spans_about_a_day_with_jitter():
    import random

    total = sum((sending.pause_after(n, rng=random.Random(n)) for n in range(1, sending.MAX_ATTEMPTS)),
                dt.timedelta())  # fmt: skip
    assert sending.MAX_ATTEMPTS == 8
    assert dt.timedelta(hours=18) < total < dt.timedelta(hours=28)
    pauses = {sending.pause_after(3, rng=random.Random(seed)) for seed in range(5)}
    assert len(pauses) == 5 and all(dt.timedelta(minutes=4) <= p <= dt.timedelta(minutes=6) for p in pauses)


def test_rotation_both_secrets_verify_then_only_the_new(acme, manager, receiver, monkeypatch,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    subscription, old = subscribe(manager, receiver.url)
    _, new = subscription_rotate_secret(actor=manager, subscription_id=subscription.pk)
    assert new != old
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket(title="One")
    got = receiver.received[-1]
    assert recipe_verifies(old, got.headers, got.body) and recipe_verifies(new, got.headers, got.body)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    monkeypatch.setattr(sending, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket(title="Two")
    got = receiver.received[-1]
    assert recipe_verifies(new, got.headers, got.body)
    assert not recipe_verifies(old, got.headers, got.body)
    assert len(got.headers["webhook-signature"].split()) == 1


def test_a_day_of_failures_disables_the_subscription_and_tells_its_owner(
    acme, manager, receiver, django_capture_on_commit_callbacks
):
    subscription, _ = subscribe(manager, receiver.url)
    receiver.answer(*[(502, b"down")] * sending.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    delivery = Delivery.objects.get()
    outcomes = []
    for _attempt in range(sending.MAX_ATTEMPTS - 1):
        due_now(delivery)
        with django_capture_on_commit_callbacks(execute=False):
            outcomes += run_due()
    assert outcomes == ["retry"] * (sending.MAX_ATTEMPTS - 2) + ["dead"]
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (DeliveryState.DEAD, 8, None)
    assert not subscription.active and subscription.disabled_at is not None
    assert delivery.msg_id in subscription.disabled_reason and "HTTP 502" in subscription.disabled_reason
    notice = Notification.objects.get(user=manager)
    assert notice.kind == NotificationKind.WEBHOOK_DISABLED and "Chat" in notice.title
    assert notice.link == f"/desk/webhooks/{subscription.pk}/"
    assert OutboxEmail.objects.filter(recipient=manager, kind=NotificationKind.WEBHOOK_DISABLED).count() == 1
    # Disabled: a new event is not even owed (only active subscriptions are written to); nothing is posted.
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket(title="Another")
    assert len(receiver.received) == sending.MAX_ATTEMPTS
    assert Delivery.objects.count() == 1


def test_redeliver_starts_a_new_round_with_the_same_id(acme, manager, receiver, django_capture_on_commit_callbacks):
    subscription, _secret = subscribe(manager, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(actor=manager, subscription_id=subscription.pk, delivery_id=delivery.pk)
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.msg_id] * 2
    assert json.loads(receiver.received[0].body) == json.loads(receiver.received[1].body)
    assert list(DeliveryAttempt.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.attempts_total) == ("delivered", 1, 2)


def test_two_workers_never_hold_one_delivery(acme, manager, receiver, django_capture_on_commit_callbacks):
    subscribe(manager, receiver.url)
    receiver.answer((500, b""))
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    delivery = Delivery.objects.get()
    due_now(delivery)
    first = sending.claim()
    second = sending.claim()
    assert (first, second) == ([delivery.pk], [])
    assert sending.deliver_claimed(first) == ["delivered"]
    assert sending.deliver_claimed(first) == ["skipped"]  # a repeated task sends nothing more
    assert len(receiver.received) == 2


def test_the_same_event_announced_twice_is_owed_once(acme, manager, receiver):
    from picocore.webhooks.announce import webhook_announce

    subscription, _ = subscribe(manager, receiver.url)
    for _time in range(2):
        webhook_announce(event_type=EventType.TICKET_CREATED, organisation_id=acme.organisation.pk,
                         payload={"n": 1}, event_id="ticket-event:1")  # fmt: skip
    assert Delivery.objects.filter(subscription=subscription).count() == 1


def test_an_unreachable_receiver_is_an_attempt_with_its_error(acme, manager, django_capture_on_commit_callbacks):
    subscribe(manager, "http://127.0.0.1:9/nothing-listens")
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.response_status is None and "Connection refused" in attempt.error
    assert Delivery.objects.get().state == DeliveryState.PENDING


def test_a_redirect_is_not_a_delivery(acme, manager, receiver, django_capture_on_commit_callbacks):
    subscribe(manager, receiver.url)
    receiver.answer((302, b""))
    with django_capture_on_commit_callbacks(execute=True):
        acme.ticket()
    assert Delivery.objects.get().last_status == 302
    assert Delivery.objects.get().state == DeliveryState.PENDING


@pytest.mark.parametrize("url", ["ftp://example.test/", "javascript:alert(1)", "http://", "file:///etc/passwd"])
def test_only_http_and_https_targets(manager, url):
    from picocore.core.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        subscribe(manager, url)
    assert "url" in refused.value.field_errors
    assert Subscription.objects.count() == 0


def test_the_secret_is_sealed_at_rest(manager, receiver):
    subscription, secret = subscribe(manager, receiver.url)
    stored = Subscription.objects.values_list("secret_sealed", flat=True).get()
    assert secret not in stored and stored.startswith("sealed1:")
    assert sending.active_secrets(subscription, dt.datetime.now(dt.UTC)) == [secret]
