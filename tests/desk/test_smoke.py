"""The desk's pages render for a consultant and refuse everyone else."""

import pytest
from django.urls import reverse

from picocore.tenancy.choices import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["unassigned", "mine", "team", "waiting", "resolved"])
def test_queues_render(client, consultant, acme, slug):
    acme.ticket()
    client.force_login(consultant)
    response = client.get(reverse("desk:queue", args=[slug]))
    assert response.status_code == 200


def test_ticket_page_renders_the_whole_timeline(client, consultant, acme):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(reverse("desk:note", args=[ticket.key]), {"body": "Only for us."})
    response = client.get(reverse("desk:ticket", args=[ticket.key]))
    assert response.status_code == 200
    assert "Only for us." in response.content.decode()


def test_customers_and_developers_get_404(client, acme):
    ticket = acme.ticket()
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    for user in (acme.requester, developer):
        client.force_login(user)
        assert client.get(reverse("desk:ticket", args=[ticket.key])).status_code == 404
        assert client.get(reverse("desk:queue", args=["mine"])).status_code == 404
