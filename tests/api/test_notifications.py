"""The person's own notifications: listed newest first, marked read one by one, never another person's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.notifications.models import Notification
from tests.api.conftest import ApiWorld, error_of
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def read(notification_id: int | str) -> str:
    return f"/api/v1/notifications/{notification_id}/read/"


def note(user, ticket=None, n: int = 0) -> Notification:
    return Notification.objects.create(user=user, ticket=ticket, kind="status", key=f"k{n}-{user.pk}",
                                       title=f"Status {n}", link="/portal/")  # fmt: skip


def test_the_requester_lists_and_marks_their_own_notifications(world: ApiWorld):
    ticket = world.acme.ticket()
    Notification.objects.all().delete()  # the receipt of the new request
    older, newer = note(world.acme.requester, ticket, 1), note(world.acme.requester, None, 2)
    note(world.acme.admin, ticket, 3)
    api = world.api(world.acme.requester)
    body = api.get(LIST).json()
    assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
    assert body["results"][1]["ticket"] == ticket.key and body["results"][0]["ticket"] is None
    marked = api.post(read(older.pk))
    assert marked.status_code == 200 and marked.json()["read_at"]
    older.refresh_from_db()
    assert older.read_at is not None
    assert [n["id"] for n in api.get(LIST, unread="true").json()["results"]] == [newer.pk]
    assert api.post(read(older.pk)).status_code == 200  # marking again changes nothing and is no error


def test_another_persons_notification_is_404_and_absent(world: ApiWorld):
    theirs = note(world.acme.admin, world.acme.ticket(), 1)
    for user in (world.acme.requester, world.nord.requester, world.nord_consultant, world.consultant):
        api = world.api(user)
        assert theirs.pk not in [n["id"] for n in api.get(LIST).json()["results"]]
        response = api.post(read(theirs.pk))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notification_about_a_ticket_no_longer_visible_is_hidden(world: ApiWorld):
    ticket = world.nord.ticket()
    stale = note(world.acme.requester, ticket, 1)  # e.g. written before the person changed organisation
    api = world.api(world.acme.requester)
    assert api.get(LIST).json()["results"] == []
    assert api.post(read(stale.pk)).status_code == 404


def test_scopes_and_bad_input(world: ApiWorld):
    mine = note(world.acme.requester, None, 1)
    reader = world.api(world.acme.requester, {"notifications:read"})
    assert reader.get(LIST).status_code == 200
    refused = reader.post(read(mine.pk))
    assert refused.status_code == 403 and error_of(refused)["code"] == "permission_denied"
    assert world.api(world.acme.requester, {"tickets:read"}).get(LIST).status_code == 403
    for bad in ("yes", "\x00", "x" * 3000):
        response = reader.get(LIST, unread=bad)
        assert response.status_code == 400 and "unread" in error_of(response)["fields"]
    writer = world.api(world.acme.requester, {"notifications:write"})
    assert writer.post(read("9" * 40)).status_code == 404
    assert writer.post(read(0)).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_list_costs_the_same_for_more_notifications(world: ApiWorld):
    api = world.api(world.acme.requester)
    ticket = world.acme.ticket()
    note(world.acme.requester, ticket, 0)

    def statements() -> int:
        api.get(LIST)
        with CaptureQueriesContext(connection) as captured:
            assert api.get(LIST).status_code == 200
        return len(data_statements(captured))

    before = statements()
    for n in range(1, 8):
        note(world.acme.requester, world.acme.ticket() if n % 2 else None, n)
    assert statements() == before
    assert len(api.get(LIST, page_size=3).json()["results"]) == 3
