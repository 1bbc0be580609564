"""Tenant isolation of the directory and SLA resources: ACME's organisation, contracts, request types and a
ticket's clocks are 404 to NORD's customer and to the consultant serving NORD only, and ACME is absent from
their lists, while the consultant serving both and ACME's own people read them."""

import pytest
from django.urls import reverse

from picocore.notifications.models import Notification
from tests.api.conftest import ApiWorld, error_of

pytestmark = pytest.mark.django_db

COVERED_ROUTES = {
    "api:v1:organisations",
    "api:v1:organisation",
    "api:v1:organisation-contracts",
    "api:v1:organisation-request-types",
    "api:v1:ticket-sla",
    "api:v1:notifications",
    "api:v1:notification-read",
}


def acme_paths(world: ApiWorld) -> dict[str, str]:
    slug = {"slug": world.acme.organisation.slug}
    ticket = world.acme.ticket()
    return {
        "api:v1:organisation": reverse("api:v1:organisation", kwargs=slug),
        "api:v1:organisation-contracts": reverse("api:v1:organisation-contracts", kwargs=slug),
        "api:v1:organisation-request-types": reverse("api:v1:organisation-request-types", kwargs=slug),
        "api:v1:ticket-sla": reverse("api:v1:ticket-sla", kwargs={"key": ticket.key}),
    }


def test_acmes_objects_are_404_to_others_and_readable_to_acme(world: ApiWorld):
    paths = acme_paths(world)
    assert set(paths) | {"api:v1:organisations", "api:v1:notifications", "api:v1:notification-read"} == COVERED_ROUTES
    for outsider in (world.nord.requester, world.nord_consultant):
        api = world.api(outsider)
        for name, path in paths.items():
            response = api.get(path)
            assert response.status_code == 404, (outsider, name)
            assert error_of(response)["code"] == "not_found"
            assert "Acme" not in response.content.decode()
    for insider in (world.acme.requester, world.acme.admin, world.consultant):
        api = world.api(insider)
        for name, path in paths.items():
            assert api.get(path).status_code == 200, (insider, name)


def test_acme_is_absent_from_the_outsiders_organisation_list(world: ApiWorld):
    list_path = reverse("api:v1:organisations")
    for outsider in (world.nord.requester, world.nord_consultant):
        body = world.api(outsider).get(list_path).json()
        assert [o["slug"] for o in body["results"]] == [world.nord.organisation.slug]
        assert world.acme.organisation.slug not in str(body)
    assert world.api(world.developer).get(list_path).json()["results"] == []


def test_an_acme_persons_notification_is_404_and_absent_to_everyone_else(world: ApiWorld):
    theirs = Notification.objects.create(user=world.acme.requester, ticket=world.acme.ticket(), kind="status",
                                         key="isolation", title="Acme status")  # fmt: skip
    read = reverse("api:v1:notification-read", kwargs={"notification_id": theirs.pk})
    for outsider in (world.nord.requester, world.nord_consultant, world.consultant, world.acme.admin):
        api = world.api(outsider)
        assert "Acme status" not in api.get(reverse("api:v1:notifications")).content.decode()
        assert api.post(read).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert world.api(world.acme.requester).post(read).status_code == 200
