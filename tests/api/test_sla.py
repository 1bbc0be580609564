"""A ticket's SLA clocks: read by whoever may see the ticket, as the SLA engine stored them."""

import pytest
from django.utils import timezone

from picocore.sla.models import SlaClock
from picocore.tickets.models import Ticket
from tests.api.conftest import ApiWorld, error_of

pytestmark = pytest.mark.django_db


def sla(key: str) -> str:
    return f"/api/v1/tickets/{key}/sla/"


def clocks_of(ticket: Ticket) -> None:
    """A running first response, a paused resolution, a breached and stopped update interval."""
    moment = timezone.now()
    SlaClock.objects.filter(ticket=ticket).delete()
    common = {"ticket": ticket, "organisation_id": ticket.organisation_id, "clock": "business", "started_at": moment}
    SlaClock.objects.create(metric="resolution", target_seconds=28800, paused_since=moment, **common)
    SlaClock.objects.create(metric="first_response", target_seconds=3600, due_at=moment, **common)
    SlaClock.objects.create(metric="next_update", target_seconds=7200, stopped_at=moment, breached_at=moment,
                            stopped_by="reply", **common)  # fmt: skip


def test_staff_and_the_requester_read_the_clocks_in_metric_order(world: ApiWorld):
    ticket = world.acme.ticket()
    clocks_of(ticket)
    for user in (world.consultant, world.acme.requester):
        response = world.api(user, {"tickets:read"}).get(sla(ticket.key))
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["ticket"] == ticket.key
        first, next_update, resolution = body["clocks"]
        assert [c["metric"] for c in body["clocks"]] == ["first_response", "next_update", "resolution"]
        assert first["target_seconds"] == 3600 and first["due_at"] and not first["paused"] and not first["breached"]
        assert resolution["paused"] and not resolution["stopped"]
        assert next_update["stopped"] and next_update["breached"] and next_update["breached_at"]


def test_a_ticket_without_clocks_has_an_empty_list(world: ApiWorld):
    ticket = world.acme.ticket()
    SlaClock.objects.filter(ticket=ticket).delete()
    assert world.api(world.consultant).get(sla(ticket.key)).json() == {"ticket": ticket.key, "clocks": []}


def test_another_organisations_ticket_is_404_and_the_scope_is_needed(world: ApiWorld):
    ticket = world.acme.ticket()
    clocks_of(ticket)
    for user in (world.nord.requester, world.nord_consultant):
        response = world.api(user).get(sla(ticket.key))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    for bad in ("ACME-999999", "ACME-0", "nonsense", "ACME-" + "9" * 40, "x" * 300):
        assert world.api(world.consultant).get(sla(bad)).status_code == 404, bad
    refused = world.api(world.consultant, {"directory:read"}).get(sla(ticket.key))
    assert refused.status_code == 403 and error_of(refused)["code"] == "permission_denied"
