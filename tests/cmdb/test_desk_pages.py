"""The desk's landscape pages: what they show, who reaches them (another customer's landscape, component,
integration or contact is the same 404 as a missing one), the forms, and constant query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.cmdb.models import Component, Contact, Integration
from tests.cmdb.conftest import component, link
from tests.cmdb.test_csv import COMPONENTS, INTEGRATIONS
from tests.cmdb.test_services import rows

pytestmark = pytest.mark.django_db

# session, user, organisation, solutions, environments, components (with their runbook numbers), integrations,
# contacts, the header's unread notifications
LANDSCAPE_QUERIES = 9
# session, user, component, integrations, the components reached, runbook versions, open tickets, planned
# changes, the header's unread notifications
COMPONENT_QUERIES = 9


def acme_urls(world, chain) -> list[str]:
    acme = world.acme.organisation.pk
    integration = chain.export.pk
    contact = Contact.objects.create(organisation=world.acme.organisation, role="approver", name="Ann")
    return [
        reverse("desk:landscape", args=[acme]),
        reverse("desk:landscape_components_csv", args=[acme]),
        reverse("desk:landscape_integrations_csv", args=[acme]),
        reverse("desk:landscape_import", args=[acme]),
        reverse("desk:component_new", args=[acme]),
        reverse("desk:integration_new", args=[acme]),
        reverse("desk:contact_new", args=[acme]),
        reverse("desk:component", args=[chain.pim.pk]),
        reverse("desk:component_edit", args=[chain.pim.pk]),
        reverse("desk:integration_edit", args=[integration]),
        reverse("desk:contact_edit", args=[contact.pk]),
        # POST only
        reverse("desk:component_delete", args=[chain.pim.pk]),
        reverse("desk:runbook_revise", args=[chain.pim.pk]),
        reverse("desk:integration_delete", args=[integration]),
        reverse("desk:contact_delete", args=[contact.pk]),
    ]


def test_a_consultant_sees_the_landscape_and_a_component(client, world, chain):
    Component.objects.filter(pk=chain.db.pk).update(end_of_life=dt.date.today() + dt.timedelta(days=30))
    client.force_login(world.consultant)
    page = client.get(reverse("desk:landscape", args=[world.acme.organisation.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert [c.name for c in page.context["landscape"].end_of_life_soon] == ["PIM database"]
    for name in ("Akeneo PIM", "Umbraco CMS", "Product export", "every 15 minutes", "End of life within 90 days"):
        assert name in text
    assert "Nord shop" not in text
    detail = client.get(reverse("desk:component", args=[chain.pim.pk]))
    assert [s.component.name for s in detail.context["page"].dependants] == ["Umbraco CMS", "PIM database", "CDN"]
    assert "Product export" in detail.content.decode()
    listing = client.get(reverse("desk:landscapes"))
    assert [o.name for o in listing.context["organisations"]] == ["Acme Ltd", "Nord Ltd"]


@pytest.mark.parametrize("who", ["outsider", "acme_developer", "acme_requester", "nord_admin"])
def test_everyone_but_acmes_team_gets_404_and_nothing_changes(client, world, chain, who):
    person = {
        "outsider": world.outsider,
        "acme_developer": world.acme_developer,
        "acme_requester": world.acme.requester,
        "nord_admin": world.nord.admin,
    }[who]
    urls = acme_urls(world, chain)
    before = rows()
    client.force_login(person)
    for url in urls:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"name": "X", "text": "Y"}).status_code in (404, 405), url
    assert rows() == before
    if who == "outsider":
        assert [o.name for o in client.get(reverse("desk:landscapes")).context["organisations"]] == ["Nord Ltd"]


def test_missing_ids_are_404_too(client, world, chain):
    client.force_login(world.manager)
    for name in ("desk:landscape", "desk:component_new", "desk:landscape_components_csv"):
        assert client.get(reverse(name, args=[999_999])).status_code == 404
    assert client.get(reverse("desk:component", args=[999_999])).status_code == 404
    assert client.post(reverse("desk:integration_delete", args=[999_999])).status_code == 404
    assert client.get(reverse("desk:integration_edit", args=[999_999])).status_code == 404
    assert client.post(reverse("desk:contact_edit", args=[999_999]), {"name": "X"}).status_code == 404


def test_the_forms_add_a_component_an_integration_a_contact_and_a_runbook(client, world, chain):
    acme = world.acme.organisation.pk
    client.force_login(world.consultant)
    response = client.post(reverse("desk:component_new", args=[acme]), {
        "environment": world.acme.production.pk, "name": "Elasticsearch", "kind": "search_index", "version": "8.11",
    })  # fmt: skip
    search = Component.objects.get(name="Elasticsearch")
    assert response["Location"] == reverse("desk:component", args=[search.pk])
    response = client.post(reverse("desk:integration_new", args=[acme]), {
        "name": "Indexing", "source": chain.pim.pk, "target": search.pk, "direction": "one_way", "protocol": "REST",
    })  # fmt: skip
    assert response.status_code == 302
    assert Integration.objects.filter(name="Indexing", source=chain.pim, target=search).exists()
    response = client.post(reverse("desk:contact_new", args=[acme]), {
        "role": "approver", "name": "Ann Admin", "email": "ann@acme.test", "user": world.acme.admin.pk,
    })  # fmt: skip
    assert Contact.objects.get(name="Ann Admin").user == world.acme.admin
    client.post(reverse("desk:runbook_revise", args=[search.pk]), {"text": "Check the cluster health."})
    assert list(search.runbook_versions.values_list("number", "text")) == [(1, "Check the cluster health.")]
    response = client.post(reverse("desk:component_edit", args=[search.pk]), {
        "environment": world.acme.production.pk, "name": "Elasticsearch", "kind": "search_index", "version": "8.12",
    })  # fmt: skip
    assert Component.objects.get(pk=search.pk).version == "8.12"


def test_a_form_offers_only_this_customers_rows(client, world, chain):
    acme = world.acme.organisation.pk
    client.force_login(world.manager)  # serves both customers
    before = rows()
    response = client.post(reverse("desk:integration_new", args=[acme]), {
        "name": "Cross", "source": chain.pim.pk, "target": chain.nord_app.pk, "direction": "one_way",
    })  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["target"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    response = client.post(reverse("desk:component_new", args=[acme]), {
        "environment": world.nord.production.pk, "name": "Sneaky", "kind": "application",
    })  # fmt: skip
    assert response.status_code == 400
    response = client.post(reverse("desk:component_new", args=[acme]), {
        "environment": world.acme.production.pk, "name": "Bad\x00name", "kind": "application", "version": "v" * 61,
    })  # fmt: skip
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "version"}
    assert rows() == before


def test_csv_export_and_import_through_the_pages(client, world):
    acme = world.acme.organisation.pk
    client.force_login(world.consultant)
    response = client.post(reverse("desk:landscape_import", args=[acme]), {
        "components": SimpleUploadedFile("c.csv", COMPONENTS.encode()),
        "integrations": SimpleUploadedFile("i.csv", INTEGRATIONS.encode()),
    })  # fmt: skip
    assert response.status_code == 302
    exported = client.get(reverse("desk:landscape_components_csv", args=[acme]))
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.content.decode().count("\r\n") == 4
    before = rows()
    bad = client.post(reverse("desk:landscape_import", args=[acme]), {
        "components": SimpleUploadedFile("c.csv", (COMPONENTS + "ACME PIM,pim,,moon,X,,,,,,,,\n").encode()),
    })  # fmt: skip
    assert bad.status_code == 400
    assert bad.context["problems"][0].startswith("Line 6: ")
    latin = client.post(reverse("desk:landscape_import", args=[acme]), {
        "components": SimpleUploadedFile("c.csv", "solution\nK\xf8benhavn\n".encode("latin-1")),
    })  # fmt: skip
    assert latin.status_code == 400
    assert latin.context["form"].errors["components"] == ["Save the file as CSV in UTF-8 and choose it again."]
    assert rows() == before


def test_landscape_and_component_pages_read_the_same_queries_as_they_grow(client, world, chain):
    client.force_login(world.consultant)
    paths = [
        reverse("desk:landscape", args=[world.acme.organisation.pk]),
        reverse("desk:component", args=[chain.pim.pk]),
    ]

    def counts() -> list[int]:
        result = []
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            result.append(len(captured))
        return result

    small = counts()
    previous = chain.cms
    for n in range(120):
        new = component(world.acme.staging if n % 2 else world.acme.production, f"Part {n}")
        link(previous, new, f"Flow {n}")
        previous = new
        Contact.objects.create(organisation=world.acme.organisation, role="technical", name=f"Tech {n}")
    assert small == counts() == [LANDSCAPE_QUERIES, COMPONENT_QUERIES]


def test_the_forms_edit_an_integration_and_a_contact_and_refuse_another_customers_rows(client, world, chain):
    contact = Contact.objects.create(organisation=world.acme.organisation, role="technical", name="Tom")
    client.force_login(world.manager)  # serves both customers
    page = client.get(reverse("desk:integration_edit", args=[chain.export.pk]))
    assert page.status_code == 200 and page.context["form"].initial["source"] == chain.export.source_id
    edit = reverse("desk:integration_edit", args=[chain.export.pk])
    fields = {"name": "Product export", "source": chain.export.source_id, "target": chain.export.target_id,
              "direction": "two_way", "protocol": "SFTP", "schedule": "hourly"}  # fmt: skip
    before = rows()
    for bad in ({"target": chain.nord_app.pk}, {"name": "Bad\x00"}, {"protocol": "p" * 61}):
        assert client.post(edit, {**fields, **bad}).status_code == 400, bad
    assert rows() == before
    response = client.post(edit, fields)
    assert response["Location"] == reverse("desk:landscape", args=[world.acme.organisation.pk])
    chain.export.refresh_from_db()
    assert (chain.export.direction, chain.export.protocol, chain.export.schedule) == ("two_way", "SFTP", "hourly")

    edit = reverse("desk:contact_edit", args=[contact.pk])
    assert client.get(edit).context["form"].initial["name"] == "Tom"
    assert client.post(edit, {"role": "approver", "name": "Tom", "user": world.nord.admin.pk}).status_code == 400
    response = client.post(edit, {"role": "approver", "name": "Tom Tech", "email": "tom@acme.test",
                                  "user": world.acme.admin.pk})  # fmt: skip
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.role, contact.name, contact.user) == ("approver", "Tom Tech", world.acme.admin)
