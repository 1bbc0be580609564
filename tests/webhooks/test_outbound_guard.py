"""Targets given by people cannot aim the server at itself or its private network: a webhook subscription or
a status-page webhook subscriber with a loopback, private or link-local address is refused with a message and
nothing saved; a delivery whose name resolves to such an address later (DNS rebinding) never connects; a
redirect is reported, not followed. The suite's settings allow loopback receivers; these tests do not."""

import socket

import pytest

from picocore.core import outbound
from picocore.core.errors import ValidationError
from picocore.statuspages.models import Subscriber
from picocore.statuspages.services import subscriber_add
from picocore.webhooks import sending
from picocore.webhooks.models import Subscription
from picocore.webhooks.services import SubscriptionFields, subscription_create
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

PRIVATE = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
    "224.0.0.1",
    "::1",
    "::ffff:127.0.0.1",
    "fe80::1%2",
    "fc00::1",
    "::",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]

REFUSED_URLS = [
    "http://127.0.0.1:9/hook",
    "http://localhost/hook",
    "http://[::1]:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/",
    "http://[::ffff:7f00:1]/",  # 127.0.0.1 mapped into IPv6
]


@pytest.fixture
def guarded(settings):
    settings.PICOCORE_OUTBOUND_PRIVATE_TARGETS = False


@pytest.mark.parametrize("address", PRIVATE)
def test_private_addresses_are_private(address):
    assert outbound.is_private(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_not(address):
    assert not outbound.is_private(address)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_subscription_to_a_private_address_is_refused(guarded, manager, url):
    fields = SubscriptionFields(name="Chat", url=url, organisation_id=None, events=["ticket.created"])
    with pytest.raises(ValidationError) as refused:
        subscription_create(actor=manager, fields=fields)
    assert "private network" in refused.value.field_errors["url"][0]
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("url", REFUSED_URLS[:4])
def test_a_status_page_webhook_to_a_private_address_is_refused(guarded, acme, url):
    with pytest.raises(ValidationError, match="private network"):
        subscriber_add(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk, kind="webhook", address=url)
    assert Subscriber.objects.count() == 0


def test_a_name_that_does_not_resolve_now_is_saved_and_checked_when_posting(guarded, manager, monkeypatch):
    def unresolvable(host, port):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(outbound, "_resolve", unresolvable)
    fields = SubscriptionFields(name="Chat", url="https://hooks.example.com/in", organisation_id=None,
                                events=["ticket.created"])  # fmt: skip
    subscription, _secret = subscription_create(actor=manager, fields=fields)
    assert subscription.url == "https://hooks.example.com/in"


def test_a_name_resolving_to_loopback_later_never_connects(guarded, receiver, monkeypatch):
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    monkeypatch.setattr(
        outbound, "_resolve", lambda host, _port: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    )
    answer = sending.post(f"http://hooks.example.com:{port}/hook", b"{}", {"Content-Type": "application/json"})
    assert answer.status is None
    assert "resolves to 127.0.0.1, which is not a public address" in answer.error
    assert receiver.received == []


def test_the_connection_goes_to_the_address_that_was_checked(receiver, monkeypatch):
    """Allowed (as in the suite), a name is connected to through the guard's own resolution."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    monkeypatch.setattr(
        outbound, "_resolve", lambda host, _port: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    )
    answer = sending.post(f"http://hooks.example.com:{port}/hook", b"{}", {"Content-Type": "application/json"})
    assert answer.status == 204
    assert len(receiver.received) == 1


def test_a_redirect_is_reported_not_followed(receiver):
    receiver.answer((302, b"elsewhere"))
    answer = sending.post(receiver.url, b"{}", {"Content-Type": "application/json"})
    assert answer.status == 302
    assert len(receiver.received) == 1
