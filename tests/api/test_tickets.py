"""The ticket resource end to end: the same rules as the pages, HTTP's conditional requests, the envelope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.api.models import ApiToken
from picocore.tickets.models import Ticket
from tests.api.conftest import Api, ApiWorld, error_of, new_ticket_body
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def url(key: str, action: str = "") -> str:
    return f"/api/v1/tickets/{key}/" + (f"{action}/" if action else "")


def test_a_customer_files_a_request_and_reads_it(world: ApiWorld):
    api = world.api(world.acme.requester)
    response = api.post(LIST, new_ticket_body(world.acme))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("api:v1:ticket", kwargs={"key": ticket.key})
    assert response.json()["key"] == ticket.key and ticket.channel == "api"
    assert ticket.requester == world.acme.requester and ticket.solution == world.acme.solution
    detail = api.get(url(ticket.key))
    assert detail.status_code == 200 and detail.json()["title"] == "Import fails for DE"
    listed = api.get(LIST).json()
    assert [t["key"] for t in listed["results"]] == [ticket.key] and listed["next"] is None


def test_the_request_types_own_questions_are_checked_as_on_the_page(world: ApiWorld):
    body = new_ticket_body(world.acme)
    del body["answers"]["steps"]
    body["answers"]["environment"] = world.nord.production.pk
    response = world.api(world.acme.requester).post(LIST, body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid" and {"steps", "environment"} <= set(error["fields"])
    assert not Ticket.objects.exists()


def test_staff_file_on_a_members_behalf_and_customers_cannot(world: ApiWorld):
    body = new_ticket_body(world.acme, requester=world.acme.admin.email)
    assert world.api(world.consultant).post(LIST, body).status_code == 201
    assert Ticket.objects.get().requester == world.acme.admin
    assert world.api(world.acme.requester).post(LIST, body).status_code in (403, 404)
    assert world.api(world.nord_consultant).post(LIST, body).status_code == 404
    assert Ticket.objects.count() == 1


def test_etag_and_if_none_match(world: ApiWorld):
    ticket = world.acme.ticket()
    api = world.api(world.consultant)
    first = api.get(url(ticket.key))
    etag = first["ETag"]
    assert etag.startswith('"') and api.get(url(ticket.key), headers={"If-None-Match": etag}).status_code == 304
    api.post(url(ticket.key, "next-step"), {"text": "Call the customer"})
    assert api.get(url(ticket.key), headers={"If-None-Match": etag}).status_code == 200


def test_if_match_is_required_on_a_transition_and_a_stale_one_is_412(world: ApiWorld):
    ticket = world.acme.ticket()
    api = world.api(world.consultant)
    etag = api.get(url(ticket.key))["ETag"]
    missing = api.post(url(ticket.key, "transition"), {"to": "in_progress"})
    assert missing.status_code == 428 and error_of(missing)["code"] == "precondition_required"
    api.post(url(ticket.key, "note"), {"body": "Looking into it."})  # changes the ticket: the tag is stale
    stale = api.post(url(ticket.key, "transition"), {"to": "in_progress"}, headers={"If-Match": etag})
    if stale.status_code != 412:  # a note may leave updated_at alone; then force a change that moves it
        pytest.fail(f"expected 412, got {stale.status_code}: {stale.content!r}")
    fresh = api.get(url(ticket.key))["ETag"]
    moved = api.post(url(ticket.key, "transition"), {"to": "in_progress"}, headers={"If-Match": fresh})
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "in_progress" and moved["ETag"] != fresh
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_an_illegal_transition_is_409_listing_the_allowed_ones(world: ApiWorld):
    ticket = world.acme.ticket()
    api = world.api(world.consultant)
    etag = api.get(url(ticket.key))["ETag"]
    response = api.post(url(ticket.key, "transition"), {"to": "closed"}, headers={"If-Match": etag})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition" and error["allowed"] and "closed" not in error["allowed"]
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_idempotent_create(world: ApiWorld):
    api = world.api(world.acme.requester)
    body = new_ticket_body(world.acme)
    first = api.post(LIST, body, headers={"Idempotency-Key": "run-42"})
    again = api.post(LIST, body, headers={"Idempotency-Key": "run-42"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Ticket.objects.count() == 1
    other = api.post(LIST, {**body, "title": "Another"}, headers={"Idempotency-Key": "run-42"})
    assert other.status_code == 422 and error_of(other)["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1
    # Keys are per person: another person's same key creates their own.
    assert world.api(world.acme.admin).post(LIST, body, headers={"Idempotency-Key": "run-42"}).status_code == 201
    assert Ticket.objects.count() == 2


def test_an_answer_older_than_a_day_is_not_replayed_and_is_pruned(world: ApiWorld):
    import datetime as dt

    from picocore.api.idempotency import RETENTION, idempotent_responses_prune
    from picocore.api.models import IdempotentResponse
    from picocore.core.clock import now

    api = world.api(world.acme.requester)
    body = new_ticket_body(world.acme)
    first = api.post(LIST, body, headers={"Idempotency-Key": "nightly"})
    kept = api.post(LIST, body, headers={"Idempotency-Key": "kept"})
    assert first.status_code == kept.status_code == 201
    old = now() - RETENTION - dt.timedelta(seconds=1)
    IdempotentResponse.objects.filter(key="nightly").update(created_at=old)
    again = api.post(LIST, body, headers={"Idempotency-Key": "nightly"})  # the key is free again: a new ticket
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["key"] != first.json()["key"]
    assert Ticket.objects.count() == 3
    assert api.post(LIST, body, headers={"Idempotency-Key": "nightly"})["Idempotent-Replayed"] == "true"
    IdempotentResponse.objects.filter(key="kept").update(created_at=old)
    assert idempotent_responses_prune(batch=1) == 1
    assert idempotent_responses_prune() == 0  # a second run finds nothing
    assert list(IdempotentResponse.objects.values_list("key", flat=True)) == ["nightly"]
    from picocore.core.tasks import discover_periodic_jobs

    assert discover_periodic_jobs()["picocore.api.tasks.prune_idempotent_responses"].every == dt.timedelta(hours=1)


def test_a_failed_create_is_not_remembered(world: ApiWorld):
    api = world.api(world.acme.requester)
    body = new_ticket_body(world.acme, title="")
    assert api.post(LIST, body, headers={"Idempotency-Key": "k"}).status_code == 400
    fixed = api.post(LIST, new_ticket_body(world.acme), headers={"Idempotency-Key": "k"})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_rate_limit_headers_and_429(world: ApiWorld, settings):
    settings.PICOCORE_API_RATE_LIMIT = 3
    api = world.api(world.acme.requester)
    answers = [api.get(LIST) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a["RateLimit-Limit"] == "3" for a in answers)
    assert 0 < int(answers[-1]["Retry-After"]) <= 60 and error_of(answers[-1])["code"] == "throttled"
    # Per token: another person's token has its own window.
    assert world.api(world.acme.admin).get(LIST).status_code == 200


def test_cursor_pagination_with_a_next_link(world: ApiWorld):
    keys = {world.acme.ticket(title=f"Ticket {n}").key for n in range(5)}
    api = world.api(world.consultant)
    seen: list[str] = []
    page = api.get(LIST, page_size="2").json()
    while True:
        seen += [t["key"] for t in page["results"]]
        if page["next"] is None:
            break
        page = api.client.get(page["next"], headers=api._headers(None)).json()
    assert sorted(seen) == sorted(keys) and len(seen) == 5
    bad = api.get(LIST, cursor="not-a-cursor")
    assert bad.status_code == 400 and "cursor" in error_of(bad)["fields"]
    assert api.get(LIST, page_size="0").status_code == 400


@pytest.mark.parametrize("who", ["consultant", "requester"])
def test_the_list_costs_the_same_statements_whatever_the_number_of_tickets(world: ApiWorld, who):
    """The page's rows by keyset, then by id with their related rows: two reads, for one ticket or many."""
    api = world.api(world.consultant if who == "consultant" else world.acme.requester)
    world.acme.ticket(title="First")

    def statements() -> int:
        api.get(LIST)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(LIST, page_size="3")
        assert response.status_code == 200 and response.json()["results"]
        return len(data_statements(captured))

    before = statements()
    for n in range(6):
        world.acme.ticket(title=f"Ticket {n}")
    assert statements() == before
    assert len(api.get(LIST, page_size="3").json()["results"]) == 3


def test_desk_filters_and_text_search(world: ApiWorld):
    world.acme.ticket(title="Images missing")
    world.acme.ticket(title="Checkout slow", impact="low")
    api = world.api(world.consultant)
    found = api.get(LIST, q="checkout").json()["results"]
    assert [t["title"] for t in found] == ["Checkout slow"]
    assert api.get(LIST, organisation=str(world.nord.organisation.pk)).json()["results"] == []
    assert api.get(LIST, priority="x").status_code == 400


def test_errors_share_one_envelope(world: ApiWorld):
    api = world.api(world.acme.requester)
    missing = api.get(url("ACME-999"))
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    unauthenticated = api.client.get(LIST)
    assert unauthenticated.status_code == 401 and unauthenticated["WWW-Authenticate"].startswith("Bearer")
    error_of(unauthenticated)
    malformed = api.client.post(LIST, "{", content_type="application/json", headers=api._headers(None))
    assert malformed.status_code == 400 and error_of(malformed)["code"] == "parse_error"


def test_expired_and_revoked_tokens_are_refused(world: ApiWorld):
    api = world.api(world.acme.requester)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    refused = api.get(LIST)
    assert refused.status_code == 401 and error_of(refused)["code"] == "authentication_failed"
    api = Api(world.acme.requester)
    ApiToken.objects.filter(revoked_at__isnull=True).update(expires_at="2020-01-01T00:00:00Z")
    assert api.get(LIST).status_code == 401


def test_a_customer_reads_only_the_public_timeline(world: ApiWorld):
    ticket = world.acme.ticket()
    staff = world.api(world.consultant)
    assert staff.post(url(ticket.key, "note"), {"body": "Internal: vendor bug"}).status_code == 201
    assert staff.post(url(ticket.key, "reply"), {"body": "We are on it."}).status_code == 201
    customer = world.api(world.acme.requester).get(url(ticket.key, "timeline")).json()["results"]
    bodies = [e["body"] for e in customer]
    assert "We are on it." in bodies and "Internal: vendor bug" not in bodies
    assert "Internal: vendor bug" in [e["body"] for e in staff.get(url(ticket.key, "timeline")).json()["results"]]
    assert world.api(world.acme.requester).post(url(ticket.key, "note"), {"body": "x"}).status_code == 403


def test_a_read_token_cannot_write_and_a_write_token_cannot_read(world: ApiWorld):
    ticket = world.acme.ticket()
    reader = world.api(world.consultant, {"tickets:read"})
    writer = world.api(world.consultant, {"tickets:write"})
    assert reader.get(LIST).status_code == reader.get(url(ticket.key)).status_code == 200
    etag = reader.get(url(ticket.key))["ETag"]
    refused = [
        reader.post(LIST, new_ticket_body(world.acme, requester=world.acme.requester.email)),
        reader.post(url(ticket.key, "note"), {"body": "Internal"}, headers={"If-Match": etag}),
        reader.post(url(ticket.key, "transition"), {"to": "in_progress"}, headers={"If-Match": etag}),
    ]
    for response in refused:
        assert response.status_code == 403 and "tickets:write" in error_of(response)["message"], response.content
    assert writer.get(LIST).status_code == writer.get(url(ticket.key)).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "new" and Ticket.objects.count() == 1
    assert not ticket.events.filter(kind="note").exists()
