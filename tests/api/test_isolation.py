"""Tenant walks over the API: with the token of another organisation's contact, of a consultant serving only
another organisation and of a developer, every ticket endpoint answers 404 for ACME's request (the same as for
a missing one), lists hold none of ACME's rows, and nothing is written. Every api:v1 route must be walked by a
COVERED_ROUTES set of some tests/api/test_isolation*.py module."""

import importlib
import pkgutil

import pytest

import tests.api
from picocore.tickets.models import Ticket, TicketEvent
from tests.api.conftest import ApiWorld, new_ticket_body
from tests.fuzz.urls import project_routes

pytestmark = pytest.mark.django_db

COVERED_ROUTES = {
    "api:v1:tickets",
    "api:v1:ticket",
    "api:v1:ticket-timeline",
    "api:v1:ticket-attachment",
    "api:v1:ticket-reply",
    "api:v1:ticket-note",
    "api:v1:ticket-transition",
    "api:v1:ticket-assign",
    "api:v1:ticket-next-step",
    "api:v1:ticket-priority",
    "api:v1:ticket-link",
    "api:v1:ticket-merge",
}

ACTIONS = {
    "reply": {"body": "hello"},
    "note": {"body": "hello"},
    "transition": {"to": "in_progress"},
    "assign": {"team": None},
    "next-step": {"text": "call"},
    "priority": {"priority": 1, "reason": "urgent"},
    "link": {"other": "NORD-1", "kind": "related"},
    "merge": {"into": "NORD-1"},
}

OUTSIDERS = ("nord.requester", "nord.admin", "nord_consultant", "developer")


def _outsider(world: ApiWorld, who: str):
    if who.startswith("nord."):
        return getattr(world.nord, who.removeprefix("nord."))
    return getattr(world, who)


def test_every_api_route_has_an_isolation_case():
    covered: set[str] = set()
    for module in pkgutil.iter_modules(tests.api.__path__):
        if module.name.startswith("test_isolation"):
            covered |= getattr(importlib.import_module(f"tests.api.{module.name}"), "COVERED_ROUTES", set())
    routes = {route.name for route in project_routes() if route.name.startswith("api:v1:")}
    assert routes - covered == set(), "walk these API routes as another organisation"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_organisations_token_sees_nothing_of_acme(world: ApiWorld, who):
    ticket = world.acme.ticket(title="ACME secret outage")
    world.nord.ticket(title="Nord's own")
    staff = world.api(world.consultant)
    staff.post(f"/api/v1/tickets/{ticket.key}/note/", {"body": "ACME internal"})
    api = world.api(_outsider(world, who))
    listed = api.get("/api/v1/tickets/").json()["results"]
    assert all(not t["key"].startswith("ACME") for t in listed)
    assert api.get("/api/v1/tickets/", q="secret").json()["results"] == []
    assert api.get("/api/v1/tickets/", organisation=str(world.acme.organisation.pk)).json()["results"] == []
    for path in (f"/api/v1/tickets/{ticket.key}/", f"/api/v1/tickets/{ticket.key}/timeline/"):
        response = api.get(path)
        assert response.status_code == 404 and b"ACME" not in response.content, path
    before = (TicketEvent.objects.count(), Ticket.objects.count())
    etag = '"whatever"'
    for action, data in ACTIONS.items():
        response = api.post(f"/api/v1/tickets/{ticket.key}/{action}/", data, headers={"If-Match": etag})
        assert response.status_code == 404, (action, response.content)
        assert b"ACME" not in response.content
    assert api.post("/api/v1/tickets/", new_ticket_body(world.acme)).status_code == 404
    assert (TicketEvent.objects.count(), Ticket.objects.count()) == before


def test_an_attachment_of_another_organisation_is_404(world: ApiWorld):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from picocore.tickets.services import ticket_reply

    ticket = world.acme.ticket()
    ticket_reply(
        actor=world.acme.requester,
        ticket=ticket,
        body="log attached",
        files=[SimpleUploadedFile("log.txt", b"ACME secret log", content_type="text/plain")],
    )
    attachment = ticket.attachments.get()
    path = f"/api/v1/tickets/{ticket.key}/attachments/{attachment.pk}/"
    own = world.api(world.acme.requester).get(path)
    assert own.status_code == 200 and b"".join(own.streaming_content) == b"ACME secret log"
    for who in OUTSIDERS:
        response = world.api(_outsider(world, who)).get(path)
        assert response.status_code == 404 and b"secret" not in response.content, who
