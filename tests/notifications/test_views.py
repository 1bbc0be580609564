import pytest
from django.urls import reverse

from picocore.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from picocore.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


def test_each_person_sees_only_their_own(client, acme, nord, consultant):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="Hello Acme")
    client.force_login(nord.requester)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert "ACME-1" not in response.content.decode() and "Hello Acme" not in response.content.decode()
    client.force_login(acme.requester)
    assert "Hello Acme" in client.get(reverse("notifications:list")).content.decode()


def test_mark_all_read_touches_only_mine(client, acme, consultant):
    ticket = acme.ticket()
    ticket_reply(actor=consultant, ticket=ticket, body="Hello")
    client.force_login(acme.requester)
    assert client.get(reverse("notifications:mark_read")).status_code == 405  # GET never changes state
    assert client.post(reverse("notifications:mark_read")).status_code == 302
    assert not Notification.objects.filter(user=acme.requester, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=consultant, read_at__isnull=True).count() == 1


def test_settings_store_the_chosen_channels(client, acme):
    client.force_login(acme.requester)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "A reply from the service team" in page and "A new request for my team" not in page
    for kind in ("The receipt of a new request", "A priority change", "Progress of development work"):
        assert kind in page
    response = client.post(
        reverse("notifications:settings"),
        {
            "reply": "in_app",
            "status": "email",
            "next_step": "both",
            "resolved": "both",
            "received": "email",
            "priority": "both",
            "development": "in_app",
        },
    )
    assert response.status_code == 302
    chosen = dict(NotificationPreference.objects.filter(user=acme.requester).values_list("kind", "channel"))
    assert chosen[NotificationKind.REPLY] == Channel.IN_APP and chosen[NotificationKind.STATUS] == Channel.EMAIL
    assert chosen[NotificationKind.DEVELOPMENT] == Channel.IN_APP


def test_bad_settings_change_nothing(client, acme):
    client.force_login(acme.requester)
    response = client.post(reverse("notifications:settings"), {"reply": "pigeon"})
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("notifications:list", "notifications:settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
