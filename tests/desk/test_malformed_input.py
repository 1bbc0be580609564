"""Malformed input in the desk's URLs and the bulk form: NUL, broken percent-encodings and ids no database holds
are a 404 or a message, with nothing changed, on SQLite and PostgreSQL alike."""

import pytest

from tests.desk.conftest import action_error, bulk_results, state

pytestmark = pytest.mark.django_db

TICKET_PATHS = {
    "/desk/tickets/{key}/": "GET",
    "/desk/tickets/{key}/take/": "POST",
    "/desk/tickets/{key}/assign/": "POST",
    "/desk/tickets/{key}/status/": "POST",
    "/desk/tickets/{key}/reply/": "POST",
    "/desk/tickets/{key}/note/": "POST",
    "/desk/tickets/{key}/next-step/": "POST",
    "/desk/tickets/{key}/priority/": "POST",
    "/desk/tickets/{key}/link/": "POST",
    "/desk/tickets/{key}/merge/": "POST",
    "/desk/tickets/{key}/hand-off/": "POST",
    "/desk/tickets/{key}/files/1/": "GET",
    "/desk/mail/tickets/{key}/emails/1/": "GET",
}
BAD_KEYS = {
    "NUL": "ACME-1%00",
    "NUL inside": "ACME%00-1",
    "not UTF-8": "ACME-%ff",
    "not UTF-8 prefix": "%ff%fe-1",
    "number beyond any column": "ACME-" + "9" * 40,
    "over-long prefix": "A" * 300 + "-1",
}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_ticket_url_whose_key_cannot_be_a_key_is_not_found(client, world, key):
    client.force_login(world.manager)
    before = state()
    answered = {}
    for path, method in TICKET_PATHS.items():
        url = path.format(key=key)
        response = client.get(url) if method == "GET" else client.post(url, {"body": "x", "to": "resolved"})
        answered[path] = response.status_code
    assert answered == dict.fromkeys(TICKET_PATHS, 404)
    assert state() == before


IDS = {"beyond bigint": str(2**63), "far beyond": "9" * 40, "zero": "0"}
ID_PATHS = (
    "/desk/tickets/ACME-1/files/{id}/",
    "/desk/development/{id}/",
    "/desk/mail/tickets/ACME-1/emails/{id}/",
    "/portal/requests/ACME-1/files/{id}/",
)


@pytest.mark.parametrize("number", IDS.values(), ids=IDS.keys())
def test_a_path_id_no_row_can_have_is_not_found(client, world, number):
    client.force_login(world.manager)
    assert {path: client.get(path.format(id=number)).status_code for path in ID_PATHS} == dict.fromkeys(ID_PATHS, 404)


def test_bulk_keys_holding_nul_or_broken_text_are_reported_and_never_queried(client, world):
    """On PostgreSQL a NUL in `key__in` was a 500 (text cannot hold NUL); each such key is its own result row."""
    client.force_login(world.consultant)
    before = state()
    sent = ["ACME-1\x00", "\x00", "ACME-\ufffd", "ACME-" + "9" * 40, "acme-1\x00x"]
    response = client.post("/desk/bulk/", {"action": "take", "keys": sent})
    assert response.status_code == 200
    refused = "No such ticket, or not yours to work on."
    assert bulk_results(response) == [(key.strip(), False, refused) for key in sent]
    assert state() == before


def test_bulk_still_acts_on_the_good_keys_beside_a_bad_one(client, world):
    client.force_login(world.consultant)
    response = client.post("/desk/bulk/", {"action": "take", "keys": ["ACME-2\x00", " acme-1 "]})
    assert bulk_results(response) == [
        ("ACME-2\x00", False, "No such ticket, or not yours to work on."),
        ("ACME-1", True, "Done."),
    ]


DATES = {"year 0": "0000-00-00", "year 10000": "10000-01-01", "not a day": "2026-02-30", "NUL": "2026-01-01\x00"}


@pytest.mark.parametrize("due", DATES.values(), ids=DATES.keys())
def test_a_next_step_date_no_calendar_has_is_a_form_error(client, world, due):
    client.force_login(world.consultant)
    before = state()
    response = client.post(f"/desk/tickets/{world.ticket.key}/next-step/", {"text": "Restart", "due": due})
    assert response.status_code == 400
    assert action_error(response) == "Not done: Expected by: Enter a valid date."
    assert state() == before


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_a_next_step_at_the_ends_of_the_calendar_shows_on_both_sides(client, world, due):
    """The first and last days a date column holds are saved, and both the desk and the portal show them."""
    client.force_login(world.consultant)
    response = client.post(f"/desk/tickets/{world.ticket.key}/next-step/", {"text": "Restart", "due": due})
    assert response.status_code == 302
    assert client.get(f"/desk/tickets/{world.ticket.key}/").status_code == 200
    client.force_login(world.acme.requester)
    assert client.get(f"/portal/requests/{world.ticket.key}/").status_code == 200
    assert client.get("/portal/").status_code == 200
