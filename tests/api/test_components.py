"""/api/v1/components/: the landscape's components as the pages show them — the service team the organisations
it serves (with notes and runbook version), customers their own organisations' (without them), developers none."""

import pytest

from picocore.cmdb.models import Component, RunbookVersion
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/components/"


def detail(component: Component) -> str:
    return f"/api/v1/components/{component.pk}/"


def add(environment, name: str, **fields) -> Component:
    return Component.objects.create(environment=environment, name=name, kind="application", **fields)


def test_staff_read_notes_and_runbook_and_customers_what_the_portal_shows(world: ApiWorld):
    pim = add(world.acme.production, "Akeneo PIM", product="Akeneo", version="7.0", hosting="Azure",
              owner="ACME IT", notes="Restart the daemon first", url="https://pim.acme.example")  # fmt: skip
    RunbookVersion.objects.create(organisation=world.acme.organisation, component=pim, number=1, text="Step 1")
    add(world.nord.production, "Nord CMS")
    staff = world.api(world.consultant).get(detail(pim)).json()
    assert staff["name"] == "Akeneo PIM" and staff["notes"] == "Restart the daemon first"
    assert staff["runbook_version"] == 1 and staff["organisation"] == world.acme.organisation.slug
    assert staff["solution"]["id"] == world.acme.solution.pk and staff["environment"]["kind"] == "production"
    assert staff["address"] == "https://pim.acme.example" and staff["url"] == detail(pim)
    for customer in (world.acme.requester, world.acme.admin):
        body = world.api(customer).get(detail(pim)).json()
        assert body["notes"] is None and body["runbook_version"] is None
        assert (body["product"], body["version"], body["hosting"], body["owner"]) == (
            "Akeneo",
            "7.0",
            "Azure",
            "ACME IT",
        )
        assert [c["name"] for c in world.api(customer).get(LIST).json()["results"]] == ["Akeneo PIM"]
    names = [c["name"] for c in world.api(world.consultant).get(LIST).json()["results"]]
    assert names == ["Akeneo PIM", "Nord CMS"]
    only_acme = world.api(world.consultant).get(LIST, organisation=str(world.acme.organisation.pk)).json()
    assert [c["name"] for c in only_acme["results"]] == ["Akeneo PIM"]
    assert world.api(world.developer).get(LIST).json()["results"] == []
    assert world.api(world.developer).get(detail(pim)).status_code == 404


def test_a_token_without_the_directory_scope_is_refused(world: ApiWorld):
    pim = add(world.acme.production, "Akeneo PIM")
    api = world.api(world.consultant, {"tickets:read", "changes:read"})
    for path in (LIST, detail(pim)):
        response = api.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied", path


def test_bad_parameters_are_400_naming_them(world: ApiWorld):
    api = world.api(world.consultant)
    for value in ("abc", "0", "-1", "9" * 40, "1\x00"):
        response = api.get(LIST, organisation=value)
        assert response.status_code == 400 and "organisation" in error_of(response)["fields"], value
    assert "cursor" in error_of(api.get(LIST, cursor="\x00"))["fields"]
    assert api.get("/api/v1/components/99999999999999999999/").status_code == 404
    assert api.get("/api/v1/components/999999/").status_code == 404


def test_the_detail_carries_an_etag_that_moves_with_the_component_and_its_runbook(world: ApiWorld):
    pim = add(world.acme.production, "Akeneo PIM")
    api = world.api(world.consultant)
    etag = api.get(detail(pim))["ETag"]
    assert api.get(detail(pim), headers={"If-None-Match": etag}).status_code == 304
    RunbookVersion.objects.create(organisation=world.acme.organisation, component=pim, number=1, text="Step 1")
    fresh = api.get(detail(pim), headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    pim.version = "7.1"
    pim.save()
    assert api.get(detail(pim), headers={"If-None-Match": fresh["ETag"]}).status_code == 200
    customer_etag = world.api(world.acme.requester).get(detail(pim))["ETag"]
    assert customer_etag != api.get(detail(pim))["ETag"]  # another reading, another tag


def test_the_list_is_paged_and_costs_the_same_for_more_components(world: ApiWorld):
    for n in range(3):
        add(world.acme.production, f"Part {n}")
    for user in (world.consultant, world.acme.admin):
        api = world.api(user)
        first = api.get(LIST, page_size=2).json()
        second = api.client.get(first["next"], headers=api._headers(None)).json()
        assert [c["name"] for c in first["results"] + second["results"]] == ["Part 0", "Part 1", "Part 2"]
        before = read_statements(api, LIST)
        for n in range(5):
            component = add(world.acme.staging, f"More {n}")
            RunbookVersion.objects.create(organisation=world.acme.organisation, component=component, number=1,
                                          text="x")  # fmt: skip
        assert read_statements(api, LIST) == before
        Component.objects.filter(name__startswith="More").delete()
