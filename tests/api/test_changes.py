"""/api/v1/changes/: the desk's changes for the service team (with plans, risk and implementer), the portal's
for customers (never a draft; without them), none for developers."""

import datetime as dt

import pytest

from picocore.changes.models import Change, ChangeComponent
from picocore.changes.services import change_create
from picocore.cmdb.models import Component
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/changes/"


def detail(change: Change) -> str:
    return f"/api/v1/changes/{change.pk}/"


def make_change(world: ApiWorld, customer, title: str, status: str = "scheduled") -> Change:
    change = change_create(actor=world.consultant, organisation_id=customer.organisation.pk, change_type="normal",
                           title=title, reason="The vendor's fix.")  # fmt: skip
    Change.objects.filter(pk=change.pk).update(status=status, implementation_plan="Upgrade.", backout_plan="Restore.")
    change.refresh_from_db()
    return change


def confirm(change: Change, component: Component) -> None:
    ChangeComponent.objects.create(organisation_id=change.organisation_id, change=change, component=component)


def test_staff_read_the_plans_and_customers_what_the_portal_shows(world: ApiWorld):
    change = make_change(world, world.acme, "Upgrade the PIM")
    confirm(change, Component.objects.create(environment=world.acme.production, name="Akeneo PIM", kind="application"))
    draft = make_change(world, world.acme, "Still a draft", status="draft")
    make_change(world, world.nord, "Nord's change")
    staff = world.api(world.consultant).get(detail(change)).json()
    assert staff["key"] == change.key and staff["status"] == "scheduled" and staff["type"] == "normal"
    assert staff["plans"] == {"implementation": "Upgrade.", "test": "", "backout": "Restore."}
    assert staff["risk"] == change.risk_level and staff["components"][0]["name"] == "Akeneo PIM"
    staff_list = [c["title"] for c in world.api(world.consultant).get(LIST).json()["results"]]
    assert staff_list == ["Nord's change", "Still a draft", "Upgrade the PIM"]
    for customer in (world.acme.requester, world.acme.admin):
        api = world.api(customer)
        body = api.get(detail(change)).json()
        assert body["plans"] is None and body["risk"] is None and body["implementer"] is None
        assert body["reason"] == "The vendor's fix." and body["components"] == staff["components"]
        assert [c["title"] for c in api.get(LIST).json()["results"]] == ["Upgrade the PIM"]
        assert api.get(detail(draft)).status_code == 404
    assert world.api(world.developer).get(LIST).json()["results"] == []
    assert world.api(world.developer).get(detail(change)).status_code == 404


def test_the_list_filters_by_organisation_and_status(world: ApiWorld):
    make_change(world, world.acme, "Scheduled")
    make_change(world, world.acme, "Closed", status="closed")
    make_change(world, world.nord, "Nord's")
    api = world.api(world.consultant)
    acme = str(world.acme.organisation.pk)
    assert [c["title"] for c in api.get(LIST, organisation=acme, status="closed").json()["results"]] == ["Closed"]
    customer = world.api(world.acme.requester)
    assert [c["title"] for c in customer.get(LIST, status="scheduled").json()["results"]] == ["Scheduled"]
    assert customer.get(LIST, organisation=str(world.nord.organisation.pk)).json()["results"] == []
    for params in ({"status": "nonsense"}, {"status": "\x00"}, {"organisation": "x"}):
        response = api.get(LIST, **params)
        assert response.status_code == 400 and set(params) <= set(error_of(response)["fields"]), params


def test_a_token_without_the_changes_scope_is_refused(world: ApiWorld):
    change = make_change(world, world.acme, "Upgrade")
    api = world.api(world.consultant, {"tickets:read", "directory:read"})
    for path in (LIST, detail(change)):
        response = api.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied", path


def test_the_detail_carries_an_etag(world: ApiWorld):
    change = make_change(world, world.acme, "Upgrade")
    api = world.api(world.acme.admin)
    etag = api.get(detail(change))["ETag"]
    assert api.get(detail(change), headers={"If-None-Match": etag}).status_code == 304
    Change.objects.filter(pk=change.pk).update(updated_at=change.updated_at + dt.timedelta(minutes=1))
    assert api.get(detail(change), headers={"If-None-Match": etag}).status_code == 200


def test_the_list_is_paged_and_costs_the_same_for_more_changes_and_components(world: ApiWorld):
    for n in range(3):
        make_change(world, world.acme, f"Change {n}")
    for user in (world.consultant, world.acme.requester):
        api = world.api(user)
        first = api.get(LIST, page_size=2).json()
        second = api.client.get(first["next"], headers=api._headers(None)).json()
        assert len({c["id"] for c in first["results"] + second["results"]}) == 3
        before = read_statements(api, LIST)
        for n in range(4):
            more = make_change(world, world.acme, f"More {n}")
            part = Component.objects.create(
                environment=world.acme.production, name=f"Part {user.pk}-{n}", kind="database"
            )
            confirm(more, part)
        assert read_statements(api, LIST) == before
        Change.objects.filter(title__startswith="More").delete()
