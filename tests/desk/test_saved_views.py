"""Saved views: a consultant names the queue, filters and sort they look at, for themselves or a team; the
sidebar lists them with counts re-applied through each viewer's own desk scope."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tenancy.choices import TeamKind
from picocore.tickets.choices import Status
from picocore.tickets.models import SavedView
from picocore.tickets.queues import Filters, saved_view_get, saved_views_for
from picocore.tickets.services import ticket_transition
from picocore.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_rename
from tests import factories
from tests.desk.conftest import ACME_TITLE, NORD_TITLE, leaked
from tests.desk.test_query_counts import reference_data_loaded

pytestmark = pytest.mark.django_db
# The sidebar's aggregate over tickets (other counts, such as the header's unread notifications, are not it).
# The sidebar's one counting query: sums over the tallies, beside bounded counts of tickets.
TICKET_COUNT = 'FROM "tickets_queuetally"'


@pytest.fixture
def carla(client, world):
    client.force_login(world.consultant)
    return client


def sidebar(client, path: str = "/desk/queues/team/") -> dict[str, int]:
    response = client.get(path)
    assert response.status_code == 200
    return {view.name: count for view, count, _query in response.context["view_rows"]}


def test_a_consultant_saves_the_current_filters_and_sort_and_finds_the_view_in_the_sidebar(carla, world):
    query = f"organisation={world.acme.organisation.pk}&sort=priority&q=price"
    response = carla.post("/desk/views/", {"name": " ACME\x00 by priority\n", "queue": "team", "query": query})
    view = SavedView.objects.get()
    assert (view.name, view.owner, view.team, view.queue, view.sort) == (
        "ACME by priority",
        world.consultant,
        None,
        "team",
        "priority",
    )
    assert (view.filter_organisation, view.filter_text) == (world.acme.organisation.pk, "price")
    assert response.status_code == 302
    assert response["Location"] == (
        f"/desk/queues/team/?q=price&organisation={world.acme.organisation.pk}&sort=priority&view={view.pk}"
    )
    shown = carla.get(response["Location"])
    assert [t.title for t in shown.context["page"].rows] == ["Acme secret price export"]
    assert shown.context["current_view"] == view
    assert sidebar(carla) == {"ACME by priority": 1}


def test_names_are_checked(world):
    carla = world.consultant
    with pytest.raises(ValidationError) as empty:
        saved_view_create(actor=carla, name=" \x00\n ", queue="team", filters=Filters(), sort=None)
    assert empty.value.field_errors == {"name": ["Give the view a name."]}
    with pytest.raises(ValidationError) as long:
        saved_view_create(actor=carla, name="x" * 81, queue="team", filters=Filters(), sort=None)
    assert long.value.field_errors == {"name": ["A name has at most 80 characters."]}
    saved_view_create(actor=carla, name="Mine", queue="team", filters=Filters(), sort="nonsense")
    with pytest.raises(ValidationError) as taken:
        saved_view_create(actor=carla, name="Mine", queue="mine", filters=Filters(), sort=None)
    assert taken.value.field_errors == {"name": ["There already is a view named “Mine”."]}
    assert list(SavedView.objects.values_list("name", "sort")) == [("Mine", "updated")]
    with pytest.raises(NotFound):
        saved_view_create(actor=carla, name="All", queue="all", filters=Filters(), sort=None)  # managers only


def test_shared_only_with_a_team_of_ones_own(world):
    with pytest.raises(ValidationError) as foreign:
        saved_view_create(
            actor=world.consultant, name="Nord", queue="team", filters=Filters(), sort=None, team=world.nord_desk
        )
    assert foreign.value.field_errors == {"team": ["Share a view only with a team you belong to."]}
    assert not SavedView.objects.exists()


def test_a_shared_view_never_shows_a_member_tickets_of_an_organisation_they_do_not_serve(client, world):
    """Carla (serving ACME and Nord) shares "Waiting" with a team she and Otto (Nord only) are in: each sees
    the view's filters applied to what they themselves may see."""
    carla, otto = world.consultant, world.outsider
    shared_team = factories.TeamFactory(name="Night shift", kind=TeamKind.OPERATIONS, members=[carla, otto])
    shared_team.organisations.add(world.nord.organisation)
    for ticket in (world.ticket, world.nord_ticket):
        ticket_transition(actor=carla, ticket=ticket, to=Status.IN_PROGRESS)
        ticket_transition(actor=carla, ticket=ticket, to=Status.WAITING_ON_CUSTOMER, note="Which one?")
    view = saved_view_create(
        actor=carla, name="Waiting", queue="waiting", filters=Filters(), sort=None, team=shared_team
    )
    client.force_login(otto)
    response = client.get(f"/desk/views/{view.pk}/", follow=True)
    assert [t.title for t in response.context["page"].rows] == [NORD_TITLE]
    assert leaked(response) == []
    assert sidebar(client) == {"Waiting": 1}
    client.force_login(carla)
    assert sidebar(client) == {"Waiting": 2}
    response = client.get(f"/desk/views/{view.pk}/", follow=True)
    assert {t.title for t in response.context["page"].rows} == {NORD_TITLE, ACME_TITLE}


def test_another_consultants_personal_view_is_not_found(client, world):
    view = saved_view_create(actor=world.consultant, name="Private", queue="mine", filters=Filters(), sort=None)
    client.force_login(world.outsider)
    for method, path in (
        ("get", f"/desk/views/{view.pk}/"),
        ("post", f"/desk/views/{view.pk}/rename/"),
        ("post", f"/desk/views/{view.pk}/delete/"),
    ):
        assert getattr(client, method)(path, {"name": "Mine now"}).status_code == 404
    assert sidebar(client) == {}
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Private"]
    with pytest.raises(NotFound):
        saved_view_get(actor=world.outsider, view_id=view.pk)
    with pytest.raises(NotFound):  # not even a service manager sees someone's personal view
        saved_view_get(actor=world.manager, view_id=view.pk)
    # A customer of ACME and a developer get the same 404 as for a view that does not exist.
    for person in (world.acme.admin, world.acme_developer):
        client.force_login(person)
        assert client.get(f"/desk/views/{view.pk}/").status_code == 404
    assert client.get("/desk/views/999999/").status_code == 404


def test_rename_and_delete_by_the_owner(carla, world):
    view = saved_view_create(actor=world.consultant, name="Old", queue="mine", filters=Filters(), sort=None)
    carla.post(f"/desk/views/{view.pk}/rename/", {"name": "New\x00 name"})
    assert SavedView.objects.get().name == "New name"
    carla.post(f"/desk/views/{view.pk}/rename/", {"name": ""})
    assert SavedView.objects.get().name == "New name"
    response = carla.post(f"/desk/views/{view.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/desk/queues/mine/")
    assert not SavedView.objects.exists()


def test_a_shared_view_is_renamed_or_deleted_by_its_owner_or_a_service_manager_not_other_members(world):
    carla, otto, manager = world.consultant, world.outsider, world.manager
    world.operations.members.add(otto)
    view = saved_view_create(
        actor=carla, name="Team", queue="team", filters=Filters(), sort=None, team=world.operations
    )
    assert [v.name for v in saved_views_for(otto)] == ["Team"]
    with pytest.raises(PermissionDenied):
        saved_view_rename(actor=otto, view=view, name="Otto's")
    with pytest.raises(PermissionDenied):
        saved_view_delete(actor=otto, view=view)
    assert SavedView.objects.get().name == "Team"
    reached = saved_view_get(actor=manager, view_id=view.pk)  # not in Operations, but a service manager
    saved_view_rename(actor=manager, view=reached, name="Team view")
    assert SavedView.objects.get().name == "Team view"
    saved_view_delete(actor=manager, view=reached)
    assert not SavedView.objects.exists()


def test_views_of_a_queue_the_viewer_lacks_are_left_out(world):
    """A service manager's "All open" view shared with a team: consultants have no such queue."""
    world.operations.members.add(world.manager)
    saved_view_create(actor=world.manager, name="All", queue="all", filters=Filters(), sort=None, team=world.operations)
    assert [v.name for v in saved_views_for(world.manager)] == ["All"]
    assert saved_views_for(world.consultant) == []


def test_the_sidebar_counts_of_views_are_cached_and_recounted_when_views_change(carla, world):
    saved_view_create(
        actor=world.consultant,
        name="ACME",
        queue="team",
        filters=Filters(organisation=world.acme.organisation.pk),
        sort=None,
    )

    def run() -> list[str]:
        reference_data_loaded()  # read once per process, not per page (tests/desk/test_query_counts.py)
        with CaptureQueriesContext(connection) as captured:
            assert carla.get("/desk/queues/mine/").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    first, second = run(), run()
    assert len([sql for sql in first if TICKET_COUNT in sql]) == 1  # queues and views in one aggregate
    assert [sql for sql in second if TICKET_COUNT in sql] == []
    assert len(second) == len(first) - 1
    saved_view_create(
        actor=world.consultant,
        name="Nord",
        queue="team",
        filters=Filters(organisation=world.nord.organisation.pk),
        sort=None,
    )
    third = run()
    assert len([sql for sql in third if TICKET_COUNT in sql]) == 1  # a new view: counted afresh
    assert sidebar(carla) == {"ACME": 2, "Nord": 0}  # Nord's tickets belong to the Nord desk, not Carla's team
    cache.clear()


def test_the_queue_page_with_saved_views_runs_the_same_queries_for_10_and_1000_tickets(carla, world):
    from tests.desk.test_query_counts import QUEUE_QUERIES, grow, measured

    for number, organisation in enumerate((world.acme.organisation, world.nord.organisation, None)):
        filters = Filters(organisation=organisation.pk if organisation else None, priority=3)
        saved_view_create(
            actor=world.consultant, name=f"View {number}", queue="team", filters=filters, sort="remaining"
        )
    view = SavedView.objects.order_by("pk").first()
    path = f"/desk/queues/team/?organisation={world.acme.organisation.pk}&priority=3&sort=remaining&view={view.pk}"

    def count() -> tuple[int, dict[str, int]]:
        cache.clear()
        response, sql = measured(carla, path)
        assert response.context["current_view"] == view
        return len(sql), sidebar(carla)

    grow(world, acme=10, nord=10)
    small, small_counts = count()
    grow(world, acme=990, nord=500)
    large, large_counts = count()
    assert (small, large) == (QUEUE_QUERIES, QUEUE_QUERIES)
    assert small_counts["View 0"] < large_counts["View 0"]
