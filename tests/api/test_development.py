"""/api/v1/development-items/: the development board's items — a developer their teams', service managers and
administrators every one — and none for customers or for operations outside a development team."""

import pytest

from picocore.development.models import DevelopmentItem
from picocore.tenancy.choices import StaffRole, TeamKind
from tests import factories
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/development-items/"


def dev_team(world: ApiWorld, name: str = "Web development"):
    team = factories.TeamFactory(name=name, kind=TeamKind.DEVELOPMENT)
    team.members.add(world.developer)
    return team


def item_of(world: ApiWorld, customer, team, title: str = "New layout", milestone: str = "handed_over"):
    # Made directly: what is read here is the item, not how a change request is handed off.
    ticket = customer.ticket(title=f"{title} request")
    return DevelopmentItem.objects.create(
        organisation=customer.organisation, ticket=ticket, team=team, title=title, brief="Build it.",
        milestone=milestone, handed_over_by=world.consultant,
    )  # fmt: skip


def test_developers_read_their_teams_items_and_no_one_else_does(world: ApiWorld):
    mine = item_of(world, world.acme, dev_team(world))
    other = item_of(world, world.nord, factories.TeamFactory(name="Other devs", kind=TeamKind.DEVELOPMENT), "Export")
    api = world.api(world.developer)
    body = api.get(f"{LIST}{mine.pk}/").json()
    assert (body["title"], body["brief"], body["milestone"]) == ("New layout", "Build it.", "handed_over")
    assert body["ticket"] == {"key": mine.ticket.key, "title": "New layout request"}
    assert body["team"]["name"] == "Web development" and body["handed_over_by"]["id"] == world.consultant.pk
    assert [i["id"] for i in api.get(LIST).json()["results"]] == [mine.pk]
    assert api.get(f"{LIST}{other.pk}/").status_code == 404
    manager = world.api(factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER))
    assert {i["id"] for i in manager.get(LIST).json()["results"]} == {mine.pk, other.pk}
    for outsider in (world.acme.requester, world.acme.admin, world.consultant, world.nord_consultant):
        assert world.api(outsider).get(LIST).json()["results"] == []
        assert world.api(outsider).get(f"{LIST}{mine.pk}/").status_code == 404


def test_milestone_filter_scope_and_bad_input(world: ApiWorld):
    team = dev_team(world)
    item_of(world, world.acme, team, "Handed")
    accepted = item_of(world, world.acme, team, "Accepted", milestone="accepted")
    api = world.api(world.developer)
    assert [i["id"] for i in api.get(LIST, milestone="accepted").json()["results"]] == [accepted.pk]
    for params in ({"milestone": "nope"}, {"milestone": "accepted\x00"}, {"cursor": "bad"}, {"page_size": "0"}):
        response = api.get(LIST, **params)
        assert response.status_code == 400 and set(params) <= set(error_of(response)["fields"]), params
    no_scope = world.api(world.developer, {"tickets:read"})
    for path in (LIST, f"{LIST}{accepted.pk}/"):
        response = no_scope.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"


def test_the_detail_carries_an_etag_and_the_list_costs_the_same_for_more_items(world: ApiWorld):
    team = dev_team(world)
    item = item_of(world, world.acme, team)
    api = world.api(world.developer)
    etag = api.get(f"{LIST}{item.pk}/")["ETag"]
    assert api.get(f"{LIST}{item.pk}/", headers={"If-None-Match": etag}).status_code == 304
    DevelopmentItem.objects.filter(pk=item.pk).update(milestone="accepted", updated_at=item.updated_at.replace(
        year=item.updated_at.year + 1))  # fmt: skip
    assert api.get(f"{LIST}{item.pk}/", headers={"If-None-Match": etag}).status_code == 200
    before = read_statements(api, LIST)
    for n in range(4):
        item_of(world, world.acme, team, f"More {n}")
    assert read_statements(api, LIST) == before
    first = api.get(LIST, page_size=3).json()
    second = api.client.get(first["next"], headers=api._headers(None)).json()
    assert len({i["id"] for i in first["results"] + second["results"]}) == 5
