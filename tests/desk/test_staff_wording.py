"""The desk speaks as the service team: "Waiting on customer", never the customer's "Waiting on you", on every
page, filter, refusal and allowed-next list; development work is named by its milestone's label, never its code;
and only people who may take a ticket are offered for it (and accepted by the service)."""

import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from picocore.core.errors import ValidationError
from picocore.development.choices import Milestone
from picocore.development.services import development_item_move
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tickets.choices import Audience, Status, staff_status_choices, status_choices, status_label
from picocore.tickets.models import Ticket
from picocore.tickets.permissions import assignable_users, bulk_assignable_users
from picocore.tickets.queues import QUEUES
from picocore.tickets.services import ticket_assign, ticket_transition
from tests import factories
from tests.desk.conftest import DeskWorld, action_error, bulk_results, page, state

pytestmark = pytest.mark.django_db

CUSTOMER_WORDS = re.compile(r"waiting on you", re.IGNORECASE)


def visible(response) -> str:
    """The page's text and the labels of its options, tags removed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page(response))).split())


def waiting(world: DeskWorld) -> Ticket:
    """ACME-1, waiting on the customer, with both status changes in its timeline."""
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.WAITING_ON_CUSTOMER)
    return Ticket.objects.get(pk=world.ticket.pk)


@pytest.fixture
def carla(client, world):
    client.force_login(world.consultant)
    return client


def test_labels_per_audience():
    assert status_label(Status.WAITING_ON_CUSTOMER, Audience.STAFF) == "Waiting on customer"
    assert status_label(Status.WAITING_ON_CUSTOMER, Audience.CUSTOMER) == "Waiting on you"
    assert (
        status_label("in_progress", Audience.STAFF) == status_label("in_progress", Audience.CUSTOMER) == "In progress"
    )
    assert status_label("no_such_status", Audience.STAFF) == "no_such_status"
    assert ("waiting_on_customer", "Waiting on customer") in staff_status_choices()
    assert ("waiting_on_customer", "Waiting on you") in status_choices(Audience.CUSTOMER)
    assert [value for value, _label in staff_status_choices()] == list(Status.values)


@pytest.mark.parametrize("queue", QUEUES, ids=[q.slug for q in QUEUES])
def test_no_queue_or_filter_says_waiting_on_you(client, world, queue):
    waiting(world)
    client.force_login(world.manager if queue.managers_only else world.consultant)
    for query in ({}, {"status": "waiting_on_customer"}, {"status": "bogus", "priority": "9"}):
        response = client.get(reverse("desk:queue", args=[queue.slug]), query)
        text = visible(response)
        assert not CUSTOMER_WORDS.search(text), (queue.slug, query)
        # The status filter offers the desk's words.
        assert re.search(
            r'<option value="waiting_on_customer"( selected)?>Waiting on customer</option>', page(response)
        )


def test_the_waiting_ticket_reads_waiting_on_customer_in_its_queue_row(carla, world):
    waiting(world)
    response = carla.get(reverse("desk:queue", args=["waiting"]))
    assert [t.key for t in response.context["page"].rows] == ["ACME-1"]
    html_page = page(response)
    assert '<span class="badge status-waiting_on_customer">Waiting on customer</span>' in html_page
    # The bulk form's new status too.
    assert re.search(
        r'<select id="b-to" name="to">.*<option value="waiting_on_customer">Waiting on customer<', html_page, re.S
    )
    assert not CUSTOMER_WORDS.search(visible(response))


def test_ticket_page_timeline_and_allowed_next_use_staff_words(carla, world):
    waiting(world)
    response = carla.get(reverse("desk:ticket", args=["ACME-1"]))
    text = visible(response)
    assert not CUSTOMER_WORDS.search(text)
    assert "In progress → Waiting on customer" in text
    assert "Waiting on customer" in text  # the header's badge
    allowed = re.search(r'<select id="t-to" name="to">(.*?)</select>', page(response), re.S)
    assert allowed is not None
    assert re.findall(r">([^<]+)</option>", allowed.group(1)) == ["In progress", "Resolved", "Cancelled"]


def test_an_illegal_move_is_refused_in_staff_words(carla, world):
    waiting(world)
    before = state()
    response = carla.post(reverse("desk:transition", args=["ACME-1"]), {"to": "waiting_on_customer"})
    assert response.status_code == 409
    assert action_error(response) == (
        "Not done: ACME-1 is waiting on customer and cannot become waiting on customer. "
        "Allowed next: in progress, resolved, cancelled."
    )
    assert not CUSTOMER_WORDS.search(visible(response))
    assert state() == before


def test_a_stale_page_is_refused_in_staff_words(carla, world):
    waiting(world)
    response = carla.post(
        reverse("desk:transition", args=["ACME-1"]),
        {"to": "resolved", "note": "Done", "expected_status": "in_progress"},
    )
    assert response.status_code == 409
    assert "it is now waiting on customer" in action_error(response)
    assert not CUSTOMER_WORDS.search(visible(response))


def test_bulk_results_use_staff_words(carla, world):
    waiting(world)
    data = {"action": "transition", "to": "waiting_on_customer", "keys": ["ACME-1"]}
    response = carla.post(reverse("desk:bulk"), data)
    assert bulk_results(response) == [
        (
            "ACME-1",
            False,
            "ACME-1 is waiting on customer and cannot become waiting on customer. "
            "Allowed next: in progress, resolved, cancelled.",
        )
    ]
    assert not CUSTOMER_WORDS.search(visible(response))


def test_the_portal_still_says_waiting_on_you(client, world):
    waiting(world)
    client.force_login(world.acme.requester)
    response = client.get(reverse("portal:request", args=["ACME-1"]))
    assert response.status_code == 200
    text = visible(response)
    assert "Waiting on you" in text
    assert "Waiting on customer" not in text


def test_a_customer_refusal_keeps_the_customers_words(world):
    from picocore.core.errors import InvalidTransition

    waiting(world)
    with pytest.raises(InvalidTransition) as error:
        ticket_transition(actor=world.acme.requester, ticket=world.ticket, to=Status.CLOSED)
    assert error.value.message == (
        "ACME-1 is waiting on you: a request can be confirmed or reopened once we have resolved it."
    )


def test_development_milestones_are_shown_by_label(carla, client, world):
    development_item_move(actor=world.acme_developer, item=world.item, milestone=Milestone.READY_FOR_RELEASE)
    desk = visible(carla.get(reverse("desk:ticket", args=["ACME-2"])))
    assert "Development ( ACME development ): Handed to development" in desk
    assert "Development ( ACME development ): Ready for release" in desk
    assert "handed_over" not in desk and "ready_for_release" not in desk
    client.force_login(world.acme.requester)
    portal = visible(client.get(reverse("portal:request", args=["ACME-2"])))
    assert "Ready for release" in portal and "Handed to development" in portal
    assert "handed_over" not in portal and "ready_for_release" not in portal


def test_the_development_backlog_shows_labels(client, world):
    client.force_login(world.acme_developer)
    listing = visible(client.get(reverse("desk:development")))
    item = visible(client.get(reverse("desk:development_item", args=[world.item.pk])))
    for text in (listing, item):
        assert "Handed to development" in text and "handed_over" not in text
    assert "Accepted by development" in item  # the moves offered


# Assign: only operations staff of a team that serves the customer.


@pytest.fixture
def developer_in_operations(world):
    """A developer who is (wrongly, or for a while) a member of the Operations team serving ACME."""
    person = factories.StaffFactory(full_name="Dev In Ops", staff_role=StaffRole.DEVELOPER)
    world.operations.members.add(person)
    return person


def offered(response, select_id: str) -> list[str]:
    select = re.search(rf'<select name="\w+"[^>]*id="{select_id}"[^>]*>(.*?)</select>', page(response), re.S)
    assert select is not None, select_id
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]


def test_assignable_users_are_operations_staff_of_a_serving_team(world, developer_in_operations):
    inactive = factories.StaffFactory(full_name="Gone Consultant", staff_role=StaffRole.CONSULTANT, is_active=False)
    world.operations.members.add(inactive)
    acme = assignable_users(organisation_id=world.acme.organisation.pk)
    assert list(acme.order_by("full_name")) == [world.consultant]
    nord = assignable_users(organisation_id=world.nord.organisation.pk).order_by("full_name")
    assert list(nord) == [world.consultant, world.outsider]
    assert list(assignable_users(organisation_id=world.nord.organisation.pk, team=world.nord_desk)) == [world.outsider]


def test_the_assign_form_offers_only_who_may_take_the_ticket(carla, world, developer_in_operations):
    response = carla.get(reverse("desk:ticket", args=["ACME-1"]))
    assert offered(response, "id_assignee") == ["— team —", "Carla Consultant"]
    assert "Dev In Ops" not in offered(response, "id_assignee")
    assert "Otto Outsider" not in offered(response, "id_assignee")


def test_the_service_refuses_a_developer_and_changes_nothing(world, developer_in_operations):
    before = state()
    with pytest.raises(ValidationError) as error:
        ticket_assign(
            actor=world.consultant, ticket=world.ticket, team=world.operations, assignee=developer_in_operations
        )
    assert error.value.field_errors == {
        "assignee": ["Dev In Ops cannot take requests of Acme Ltd: only the operations staff of a team serving it can."]
    }
    assert state() == before


def test_a_posted_developer_or_outsider_is_refused_on_the_page(carla, world, developer_in_operations):
    before = state()
    url = reverse("desk:assign", args=["ACME-1"])
    response = carla.post(url, {"team": world.operations.pk, "assignee": developer_in_operations.pk})
    assert response.status_code == 400
    assert action_error(response) == (
        "Not done: Dev In Ops cannot take requests of Acme Ltd: only the operations staff of a team serving it can."
    )
    response = carla.post(url, {"team": world.operations.pk, "assignee": world.outsider.pk})
    assert response.status_code == 400
    assert action_error(response) == "Not done: Otto Outsider is not a member of Operations."
    assert state() == before


def test_bulk_assign_offers_operations_staff_of_the_actors_teams(carla, client, world, developer_in_operations):
    response = carla.get(reverse("desk:queue", args=["team"]))
    assert offered(response, "id_assignee")[1:] == ["Carla Consultant"]
    assert offered(response, "id_team")[1:] == ["Operations"]
    assert list(bulk_assignable_users(world.outsider)) == [world.outsider]
    # A service manager in no team may assign within every operations team.
    assert list(bulk_assignable_users(world.manager).order_by("full_name")) == [world.consultant, world.outsider]
    with_team = factories.StaffFactory(full_name="Team Manager", staff_role=StaffRole.SERVICE_MANAGER)
    factories.TeamFactory(name="Managers", kind=TeamKind.OPERATIONS, members=[with_team])
    assert list(bulk_assignable_users(with_team)) == [with_team]


def test_bulk_assign_refuses_a_developer_per_ticket(carla, world, developer_in_operations):
    before = state()
    data = {"action": "assign", "team": world.operations.pk, "assignee": developer_in_operations.pk, "keys": ["ACME-1"]}
    response = carla.post(reverse("desk:bulk"), data)
    assert bulk_results(response) == [
        (
            "ACME-1",
            False,
            "Dev In Ops cannot take requests of Acme Ltd: only the operations staff of a team serving it can.",
        )
    ]
    assert state() == before


# The pages changed here run as many queries at 10 tickets as at 1,000.


def test_changed_pages_run_the_same_queries_for_10_and_1000_tickets(client, world, developer_in_operations):
    from tests.desk.test_query_counts import grow, measured

    waiting(world)

    def counts() -> dict[str, int]:
        cache.clear()  # the queues' counts are cached briefly: measure the pages as first seen
        found = {}
        client.force_login(world.consultant)
        for name, path in (
            ("ticket", reverse("desk:ticket", args=["ACME-1"])),
            ("change", reverse("desk:ticket", args=["ACME-2"])),
            ("queue", reverse("desk:queue", args=["waiting"])),
        ):
            found[name] = len(measured(client, path)[1])
        client.force_login(world.manager)
        found["manager queue"] = len(measured(client, reverse("desk:queue", args=["all"]))[1])
        client.force_login(world.acme.requester)
        client.get(reverse("portal:request", args=["ACME-1"]))  # the portal keeps the person's memberships once read
        found["portal"] = len(measured(client, reverse("portal:request", args=["ACME-1"]))[1])
        return found

    grow(world, acme=10, nord=10)
    small = counts()
    grow(world, acme=990, nord=990)
    assert counts() == small
