"""/api/v1/time-entries/: reading time as the pages show it (the service team its customers', developers their
items', customers what their hours page counts) and logging it through the hours service, once per
Idempotency-Key."""

import datetime as dt

import pytest

from picocore.development.models import DevelopmentItem
from picocore.hours.models import HourTerms, TimeEntry
from picocore.hours.services import time_log
from picocore.tenancy.choices import TeamKind
from tests import factories
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/time-entries/"


def detail(entry_id: int) -> str:
    return f"{LIST}{entry_id}/"


def logged(world: ApiWorld, ticket, minutes: int = 30, **fields) -> TimeEntry:
    return time_log(actor=world.consultant, ticket=ticket, minutes=minutes, description="Read the logs", **fields)


def dev_item(world: ApiWorld, ticket) -> DevelopmentItem:
    team = factories.TeamFactory(name="Web development", kind=TeamKind.DEVELOPMENT)
    team.members.add(world.developer)
    return DevelopmentItem.objects.create(organisation=ticket.organisation, ticket=ticket, team=team, title="Layout",
                                          brief="Build it.", handed_over_by=world.consultant)  # fmt: skip


def test_a_consultant_logs_time_on_a_ticket_and_reads_it_back(world: ApiWorld):
    ticket = world.acme.ticket()
    api = world.api(world.consultant)
    response = api.post(LIST, {"ticket": ticket.key, "minutes": 45, "description": "Rebuilt the index"})
    assert response.status_code == 201, response.content
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.author, entry.minutes, entry.billable) == (ticket, world.consultant, 45, True)
    assert entry.contract == world.acme.organisation.contracts.get()
    body = response.json()
    assert response["Location"] == detail(entry.pk) == body["url"]
    assert body["ticket"] == ticket.key and body["author"]["id"] == world.consultant.pk
    assert body["description"] == "Rebuilt the index" and body["debited_minutes"] == entry.debited_minutes
    assert api.get(detail(entry.pk)).json() == body
    assert [e["id"] for e in api.get(LIST).json()["results"]] == [entry.pk]
    assert [e["id"] for e in api.get(LIST, ticket=ticket.key.lower()).json()["results"]] == [entry.pk]
    assert api.get(LIST, ticket="ACME-999").json()["results"] == []
    unbilled = api.post(LIST, {"ticket": ticket.key, "minutes": 10, "billable": False,
                               "non_billable_reason": "goodwill"})  # fmt: skip
    assert unbilled.status_code == 201 and unbilled.json()["debited_minutes"] == 0


def test_a_developer_logs_time_on_their_teams_item_only(world: ApiWorld):
    ticket = world.acme.ticket()
    item = dev_item(world, ticket)
    api = world.api(world.developer)
    response = api.post(LIST, {"development_item": item.pk, "minutes": 60})
    assert response.status_code == 201, response.content
    assert response.json()["development_item"] == item.pk and response.json()["ticket"] == ticket.key
    assert [e["id"] for e in api.get(LIST).json()["results"]] == [response.json()["id"]]
    # Not on the ticket itself, nor on an item of another team, nor with another request named.
    assert api.post(LIST, {"ticket": ticket.key, "minutes": 5}).status_code == 404
    mismatch = api.post(LIST, {"development_item": item.pk, "ticket": world.acme.ticket().key, "minutes": 5})
    assert mismatch.status_code == 400 and "ticket" in error_of(mismatch)["fields"]
    other = world.api(factories.StaffFactory(staff_role="developer"))
    assert other.post(LIST, {"development_item": item.pk, "minutes": 5}).status_code == 404
    assert other.get(LIST).json()["results"] == []
    assert TimeEntry.objects.count() == 1


def test_customers_read_only_what_their_hours_page_counts(world: ApiWorld):
    own = world.acme.ticket(title="The requester's own")
    others = world.acme.ticket(by=world.acme.admin, title="The admin's")
    billable, _unbilled = logged(world, own), logged(world, own, billable=False, non_billable_reason="goodwill")
    admins = logged(world, others)
    admin = world.api(world.acme.admin)
    listed = admin.get(LIST).json()["results"]
    assert {e["id"] for e in listed} == {billable.pk, admins.pk}
    assert all(e["author"] is None and e["description"] is None and e["development_item"] is None for e in listed)
    requester = world.api(world.acme.requester)
    assert requester.get(LIST).json()["results"] == []  # the contract's terms keep the hours from requesters
    assert requester.get(detail(billable.pk)).status_code == 404
    HourTerms.objects.create(contract=world.acme.organisation.contracts.get(), requesters_see_hours=True)
    assert [e["id"] for e in world.api(world.acme.requester).get(LIST).json()["results"]] == [billable.pk]
    # A customer logs no time: the service answers as for a ticket they may not log on, and writes nothing.
    response = admin.post(LIST, {"ticket": own.key, "minutes": 5})
    assert response.status_code == 404 and TimeEntry.objects.count() == 3


def test_the_same_idempotency_key_logs_once(world: ApiWorld):
    ticket = world.acme.ticket()
    api = world.api(world.consultant)
    body = {"ticket": ticket.key, "minutes": 30}
    first = api.post(LIST, body, headers={"Idempotency-Key": "time-1"})
    again = api.post(LIST, body, headers={"Idempotency-Key": "time-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    reused = api.post(LIST, {**body, "minutes": 31}, headers={"Idempotency-Key": "time-1"})
    assert reused.status_code == 422 and error_of(reused)["code"] == "idempotency_key_reused"
    assert TimeEntry.objects.count() == 1
    assert api.post(LIST, body, headers={"Idempotency-Key": "time-2"}).status_code == 201
    assert TimeEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 30}, "ticket"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": "half an hour"}, "minutes"),
        ({"minutes": 30, "description": "x" * 201}, "description"),
        ({"minutes": 30, "description": "a\x00b"}, "description"),
        ({"minutes": 30, "non_billable_reason": "because"}, "non_billable_reason"),
        ({"minutes": 30, "billable": False}, "non_billable_reason"),
        ({"minutes": 30, "work_date": "2999-01-01"}, "work_date"),
        ({"minutes": 30, "work_date": "yesterday"}, "work_date"),
        ({"minutes": 30, "development_item": "x"}, "development_item"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_logs_nothing(world: ApiWorld, body, field):
    ticket = world.acme.ticket()
    if field != "ticket":
        body = {"ticket": ticket.key, **body}
    response = world.api(world.consultant).post(LIST, body)
    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert TimeEntry.objects.count() == 0


def test_over_long_and_nul_keys_are_refused_cleanly(world: ApiWorld):
    api = world.api(world.consultant)
    for key in ("ACME-1\x00", "A" * 41):
        response = api.post(LIST, {"ticket": key, "minutes": 5})
        assert response.status_code == 400 and "ticket" in error_of(response)["fields"], key
    assert api.post(LIST, {"ticket": "ACME-99999", "minutes": 5}).status_code == 404
    assert api.get(LIST, ticket="\x00" * 50).json()["results"] == []
    assert TimeEntry.objects.count() == 0


def test_scopes(world: ApiWorld):
    ticket = world.acme.ticket()
    entry = logged(world, ticket)
    reader = world.api(world.consultant, {"time:read"})
    assert reader.get(LIST).status_code == 200
    refused = reader.post(LIST, {"ticket": ticket.key, "minutes": 5})
    assert refused.status_code == 403 and error_of(refused)["code"] == "permission_denied"
    writer = world.api(world.consultant, {"tickets:read"})
    for path in (LIST, detail(entry.pk)):
        response = writer.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"
    assert TimeEntry.objects.count() == 1


def test_the_detail_carries_an_etag_and_the_list_costs_the_same_for_more_entries(world: ApiWorld):
    ticket = world.acme.ticket()
    entry = logged(world, ticket)
    api = world.api(world.consultant)
    etag = api.get(detail(entry.pk))["ETag"]
    assert api.get(detail(entry.pk), headers={"If-None-Match": etag}).status_code == 304
    TimeEntry.objects.filter(pk=entry.pk).update(updated_at=entry.updated_at + dt.timedelta(minutes=1))
    assert api.get(detail(entry.pk), headers={"If-None-Match": etag}).status_code == 200
    admin = world.api(world.acme.admin)
    before = read_statements(api, LIST), read_statements(admin, LIST)
    item = dev_item(world, ticket)
    for n in range(4):
        logged(world, world.acme.ticket(), minutes=10 + n)
        time_log(actor=world.developer, ticket=ticket, minutes=5, development_item=item)
    assert (read_statements(api, LIST), read_statements(admin, LIST)) == before
    developer = world.api(world.developer)
    dev_before = read_statements(developer, LIST)
    time_log(actor=world.developer, ticket=ticket, minutes=5, development_item=item)
    assert read_statements(developer, LIST) == dev_before
    first = api.get(LIST, page_size=3).json()
    second = api.client.get(first["next"], headers=api._headers(None)).json()
    seen = [e["id"] for e in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 6
