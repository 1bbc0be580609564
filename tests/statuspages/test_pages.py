"""The status pages as people use them: a contact reads their page and subscribes; the desk writes, publishes
and confirms an incident; the page costs the same queries whatever the number of components and incidents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.cmdb.models import Component
from picocore.statuspages.models import StatusIncident, StatusNotice, Subscriber
from picocore.statuspages.services import incident_create, subscriber_add, update_post
from tests.conftest import signed_in
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db


def test_the_desk_writes_publishes_and_confirms_a_major_outage(client, acme, consultant, pim_api):
    subscriber_add(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk, kind="email",
                   address=acme.requester.email)  # fmt: skip
    client.force_login(consultant)
    home = client.get(reverse("statuspages_desk:index"))
    assert [o.name for o in home.context["organisations"]] == ["Acme Ltd"]
    response = client.post(
        reverse("statuspages_desk:incident_new", args=[acme.organisation.pk]),
        {"title": "PIM down", "impact": "major_outage", "components": [pim_api.pk]},
    )
    incident = StatusIncident.objects.get()
    assert response["Location"] == reverse("statuspages_desk:incident", args=[incident.pk])
    assert client.get(response["Location"]).status_code == 200
    client.post(reverse("statuspages_desk:update_new", args=[incident.pk]), {"state": "investigating", "body": "On it"})
    assert StatusNotice.objects.filter(update__incident=incident).count() == 1
    client.force_login(acme.requester)
    page = client.get(reverse("statuspages:page", args=[acme.organisation.slug])).content.decode()
    assert "Partial outage" in page and "Major outage" not in page and "On it" in page
    client.force_login(consultant)
    client.post(reverse("statuspages_desk:incident_confirm", args=[incident.pk]))
    client.force_login(acme.requester)
    page = client.get(reverse("statuspages:page", args=[acme.organisation.slug])).content.decode()
    assert "Major outage" in page


def test_a_contact_subscribes_and_a_requester_cannot_add_a_webhook(client, acme):
    client.force_login(acme.requester)
    path = reverse("statuspages:subscribe", args=[acme.organisation.slug])
    response = client.post(path, {"kind": "webhook", "address": "https://hooks.example/x"})
    assert response.status_code == 400
    assert Subscriber.objects.count() == 0
    response = client.post(path, {"kind": "email", "address": acme.requester.email})
    assert response.status_code == 302
    assert Subscriber.objects.get().confirmed
    client.force_login(acme.admin)
    assert client.post(path, {"kind": "webhook", "address": "https://hooks.example/x"}).status_code == 302
    hook = Subscriber.objects.filter(kind="webhook").get()
    assert hook.secret.startswith("whsec_")
    stored = Subscriber.objects.filter(pk=hook.pk).values_list("secret_sealed", flat=True).get()
    assert stored.startswith("sealed1:") and hook.secret.removeprefix("whsec_") not in stored


def test_the_customer_page_costs_the_same_queries_whatever_the_size(client, acme, consultant, pim_api):
    actor = signed_in(consultant)

    def add(n: int) -> None:
        component = Component.objects.create(environment=acme.production, name=f"c{n}", kind="application")
        incident = incident_create(actor=actor, organisation_id=acme.organisation.pk, title=f"I{n}",
                                   impact="degraded", component_ids=[component.pk])  # fmt: skip
        update_post(actor=actor, incident_id=incident.pk, body="x", state="investigating")
        update_post(actor=actor, incident_id=incident.pk, body="y", state="identified")

    path = reverse("statuspages:page", args=[acme.organisation.slug])
    client.force_login(acme.requester)
    add(0)
    client.get(path)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(data_statements(captured))

    small = count()
    for n in range(1, 8):
        add(n)
    assert count() == small
