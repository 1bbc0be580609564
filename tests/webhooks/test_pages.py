"""The webhook pages: service managers manage; everyone else (consultants, developers, customers) gets 404 on
every URL and changes nothing. Walked over every URL of `picocore.webhooks.urls`."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.tenancy.choices import StaffRole
from picocore.webhooks import urls as webhook_urls
from picocore.webhooks.choices import EventType
from picocore.webhooks.models import Delivery, Subscription
from picocore.webhooks.services import SubscriptionFields, subscription_create
from tests import factories
from tests.support_queries import data_statements

URL_NAMES = [p.name for p in webhook_urls.urlpatterns]


@pytest.fixture
def world(acme, manager, consultant):
    fields = SubscriptionFields(name="ACME chat", url="http://127.0.0.1:9/x", organisation_id=acme.organisation.pk,
                                events=[EventType.TICKET_CREATED])  # fmt: skip
    subscription, _ = subscription_create(actor=manager, fields=fields)
    delivery = Delivery.objects.create(
        subscription=subscription, event_type="ticket.created", event_id="e1", msg_id="msg_1",
        payload={"type": "ticket.created"}, state="delivered",
    )  # fmt: skip
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    return {"subscription": subscription, "delivery": delivery, "manager": manager, "consultant": consultant,
            "developer": developer, "customer": acme.admin}  # fmt: skip


def kwargs_for(name, world):
    pattern = next(p for p in webhook_urls.urlpatterns if p.name == name)
    found = {}
    if "subscription_id" in pattern.pattern.converters:
        found["subscription_id"] = world["subscription"].pk
    if "delivery_id" in pattern.pattern.converters:
        found["delivery_id"] = world["delivery"].pk
    return found


def state():
    return (list(Subscription.objects.values_list("id", "name", "active", "secret_sealed", "url")),
            list(Delivery.objects.values_list("id", "state", "attempts_total")))  # fmt: skip


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("who", ["consultant", "developer", "customer"])
def test_nobody_but_managers_reaches_a_webhook_url(client, world, name, who):
    path = reverse(f"webhooks:{name}", kwargs=kwargs_for(name, world))
    before = state()
    client.force_login(world[who])
    assert client.get(path).status_code in (404, 405)
    posted = client.post(path, {"name": "x", "url": "http://evil.test/", "events": ["ticket.created"]})
    assert posted.status_code in (404, 405)
    assert state() == before
    client.logout()
    assert client.post(path).status_code in (302, 405)
    assert state() == before


def test_the_manager_sees_and_other_lists_are_empty(client, world):
    client.force_login(world["consultant"])
    assert client.get("/desk/webhooks/").status_code == 404
    client.force_login(world["manager"])
    page = client.get("/desk/webhooks/")
    assert page.status_code == 200 and "ACME chat" in page.content.decode()
    detail = client.get(f"/desk/webhooks/{world['subscription'].pk}/")
    assert "msg_1" in detail.content.decode()
    assert client.get("/desk/webhooks/999999/").status_code == 404


def test_creating_shows_the_secret_once(client, world, acme):
    client.force_login(world["manager"])
    response = client.post("/desk/webhooks/new/", {"name": "Ops", "url": "https://hooks.example.test/in",
                                                   "organisation": "", "events": ["sla.breached"]})  # fmt: skip
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "whsec_" in response.content.decode()
    created = Subscription.objects.get(name="Ops")
    assert created.organisation_id is None and created.events == ["sla.breached"] and created.owner == world["manager"]
    assert "whsec_" not in client.get(f"/desk/webhooks/{created.pk}/").content.decode()
    refused = client.post("/desk/webhooks/new/", {"name": "Bad", "url": "ftp://x.test/", "events": ["sla.breached"]})
    assert refused.status_code == 400 and not Subscription.objects.filter(name="Bad").exists()


def test_the_log_page_runs_the_same_queries_however_long_the_log(client, world):
    client.force_login(world["manager"])
    path = f"/desk/webhooks/{world['subscription'].pk}/"
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    for n in range(20):
        delivery = Delivery.objects.create(
            subscription=world["subscription"], event_type="ticket.created", event_id=f"more{n}",
            msg_id=f"msg_more{n}", payload={}, state="failed",
        )  # fmt: skip
        delivery.attempt_log.create(number=1, request_body="{}", response_status=500)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(data_statements(many)) == len(data_statements(few))
