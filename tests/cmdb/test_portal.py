"""The landscape in the portal: the current organisation's only, read-only, with end of life soon, and
"Report an incident" on a component filling in the incident form (another organisation's component, in the
link or in the posted form, is refused like a missing one)."""

import datetime as dt

import pytest
from django.urls import reverse

from picocore.cmdb.models import Component
from picocore.tickets.models import Ticket
from tests.desk.conftest import upload

pytestmark = pytest.mark.django_db


def test_a_customer_sees_their_own_landscape_read_only(client, world, chain):
    Component.objects.filter(pk=chain.db.pk).update(end_of_life=dt.date.today() + dt.timedelta(days=80))
    Component.objects.filter(pk=chain.cms.pk).update(end_of_life=dt.date.today() + dt.timedelta(days=200))
    client.force_login(world.acme.requester)
    response = client.get(reverse("portal:landscape"))
    text = response.content.decode()
    assert response.status_code == 200
    assert [c.name for c in response.context["landscape"].end_of_life_soon] == ["PIM database"]
    assert "Akeneo PIM" in text and "Product export" in text
    assert "Nord shop" not in text
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "/desk/" not in main and 'method="post"' not in main  # no desk links, no edit forms
    report = reverse("portal:new_request", args=[world.acme.incident.slug])
    assert f'href="{report}?component={chain.cdn.pk}"' in text
    client.force_login(world.nord.admin)
    nord = client.get(reverse("portal:landscape"))
    assert [c.name for c in nord.context["landscape"].components] == ["Nord shop"]
    assert "Akeneo PIM" not in nord.content.decode()


def test_report_an_incident_fills_in_the_component_its_solution_and_environment(client, world, chain):
    client.force_login(world.acme.requester)
    path = reverse("portal:new_request", args=[world.acme.incident.slug])
    response = client.get(path, {"component": chain.cdn.pk})
    form = response.context["form"]
    assert form.initial == {
        "component": chain.cdn.pk,
        "q_solution": world.acme.solution.pk,
        "q_environment": world.acme.production.pk,
    }
    assert (
        f'<option value="{chain.cdn.pk}" selected data-user-content>CDN (ACME PIM · Production)</option>'
        in response.content.decode()
    )
    response = client.post(path, {
        "title": "CDN serves old images", "description": "Since the deploy.", "impact": "high", "urgency": "high",
        "q_solution": world.acme.solution.pk, "q_environment": world.acme.production.pk, "q_steps": "Open the shop.",
        "component": chain.cdn.pk,
    })  # fmt: skip
    ticket = Ticket.objects.get(title="CDN serves old images")
    assert response["Location"] == reverse("portal:request", args=[ticket.key])
    assert (ticket.component_id, ticket.environment_id) == (chain.cdn.pk, world.acme.production.pk)


def test_another_organisations_component_is_refused_like_a_missing_one(client, world, chain):
    client.force_login(world.acme.requester)
    path = reverse("portal:new_request", args=[world.acme.incident.slug])
    pages = [client.get(path, {"component": value}) for value in (chain.nord_app.pk, 999_999, "x")]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert [p.context["form"].initial for p in pages] == [{}, {}, {}]
    assert len({str(list(p.context["messages"])) for p in pages}) == 1
    before = Ticket.objects.count()
    for value in (chain.nord_app.pk, 999_999):
        response = client.post(path, {
            "title": "Sneaky", "description": "x", "impact": "high", "urgency": "high",
            "q_solution": world.acme.solution.pk, "q_environment": world.acme.production.pk, "q_steps": "x",
            "component": value, "attachments": [upload()],
        })  # fmt: skip
        assert response.status_code == 400
        assert response.context["form"].errors["component"] == [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    assert Ticket.objects.count() == before


def test_a_component_of_another_environment_is_refused(client, world, chain):
    client.force_login(world.acme.requester)
    path = reverse("portal:new_request", args=[world.acme.incident.slug])
    response = client.post(path, {
        "title": "Mismatch", "description": "x", "impact": "high", "urgency": "high",
        "q_solution": world.acme.solution.pk, "q_environment": world.acme.staging.pk, "q_steps": "x",
        "component": chain.cdn.pk,
    })  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["component"] == ["CDN is not part of ACME PIM · Staging."]
