"""Tenant walks over the resources of the other capabilities — components, changes, problems and known issues,
articles, development items and time entries: with the token of another organisation's contact, of a consultant
serving only another organisation and of a developer, ACME's objects are 404 (the same answer as for a missing
one), the lists hold none of them, and nothing is written; ACME's own people and the consultant serving it read
them."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from picocore.changes.models import Change
from picocore.changes.services import change_create
from picocore.cmdb.models import Component
from picocore.development.models import DevelopmentItem
from picocore.hours.models import TimeEntry
from picocore.hours.services import time_log
from picocore.knowledge.services import ArticleFields, article_create, article_publish
from picocore.problems.services import problem_create, problem_link_incident, problem_publish_known_issue
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket
from tests import factories
from tests.api.conftest import ApiWorld, error_of

pytestmark = pytest.mark.django_db

COVERED_ROUTES = {
    "api:v1:components",
    "api:v1:component",
    "api:v1:changes",
    "api:v1:change",
    "api:v1:problems",
    "api:v1:problem",
    "api:v1:known-issues",
    "api:v1:known-issue",
    "api:v1:articles",
    "api:v1:article",
    "api:v1:development-items",
    "api:v1:development-item",
    "api:v1:time-entries",
    "api:v1:time-entry",
}
# The lists that take `?organisation=`: asked for ACME's, they are empty to an outsider.
BY_ORGANISATION = {"api:v1:components", "api:v1:changes", "api:v1:problems"}
# The other lists hold nothing of the outsiders' own either, in this world: asked, they are empty.

SECRET = "Zanzibar"  # in every ACME object's text: never in an outsider's answer


@dataclass
class Walk:
    lists: dict[str, str]  # route name → list path
    details: dict[str, str]  # route name → an ACME object's path
    readers: dict[str, tuple[str, ...]]  # route name → who of ACME's side reads it
    people: dict[str, User]  # ACME's side beyond the API world: the developer of ACME's development team
    ticket: Ticket  # ACME's request with the development item and the time entry
    item: DevelopmentItem


def acme_world(world: ApiWorld) -> Walk:
    component = Component.objects.create(environment=world.acme.production, name=f"{SECRET} PIM", kind="application")
    change = change_create(actor=world.consultant, organisation_id=world.acme.organisation.pk, change_type="normal",
                           title=f"{SECRET} upgrade", reason="Fix")  # fmt: skip
    Change.objects.filter(pk=change.pk).update(status="scheduled")
    problem = problem_create(actor=world.consultant, title=f"{SECRET} stalls", workaround="Restart")
    problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=world.acme.ticket().key)
    problem_publish_known_issue(actor=world.consultant, problem_id=problem.pk, title=f"{SECRET} known",
                                text=f"{SECRET} text")  # fmt: skip
    article = article_create(actor=world.consultant, fields=ArticleFields(
        title=f"{SECRET} article", body_html="<p>x</p>", audience="customers", for_all_customers=False,
        organisation_ids=[world.acme.organisation.pk]))  # fmt: skip
    article_publish(actor=world.consultant, article_id=article.pk)
    ticket = world.acme.ticket(title=f"{SECRET} redesign")
    acme_developer = factories.StaffFactory(full_name="Ada Acme-Dev", staff_role=StaffRole.DEVELOPER)
    team = factories.TeamFactory(name="ACME development", kind=TeamKind.DEVELOPMENT)
    team.members.add(acme_developer)
    item = DevelopmentItem.objects.create(
        organisation=world.acme.organisation, ticket=ticket, team=team, title=f"{SECRET} layout", brief=SECRET,
        handed_over_by=world.consultant,
    )  # fmt: skip
    # Logged against the development item: its team's developer reads it as the service team and customer do.
    entry = time_log(actor=world.consultant, ticket=ticket, minutes=30, description=SECRET, development_item=item)
    Component.objects.create(environment=world.nord.production, name="Nord CMS", kind="application")
    customers_and_staff = ("acme.requester", "acme.admin", "consultant")
    names = ("components", "changes", "problems", "known-issues", "articles", "development-items", "time-entries")
    return Walk(
        lists={f"api:v1:{name}": reverse(f"api:v1:{name}") for name in names},
        details={
            "api:v1:component": reverse("api:v1:component", kwargs={"component_id": component.pk}),
            "api:v1:change": reverse("api:v1:change", kwargs={"change_id": change.pk}),
            "api:v1:problem": reverse("api:v1:problem", kwargs={"problem_id": problem.pk}),
            "api:v1:known-issue": reverse("api:v1:known-issue", kwargs={"issue_id": problem.pk}),
            "api:v1:article": reverse("api:v1:article", kwargs={"ref": article.slug}),
            "api:v1:development-item": reverse("api:v1:development-item", kwargs={"item_id": item.pk}),
            "api:v1:time-entry": reverse("api:v1:time-entry", kwargs={"entry_id": entry.pk}),
        },
        readers={
            "api:v1:component": customers_and_staff,
            "api:v1:change": customers_and_staff,
            "api:v1:problem": ("consultant",),
            "api:v1:known-issue": ("acme.requester", "acme.admin"),
            "api:v1:article": customers_and_staff,
            "api:v1:development-item": ("acme_developer",),
            "api:v1:time-entry": ("acme.admin", "consultant", "acme_developer"),
        },
        people={"acme_developer": acme_developer},
        ticket=ticket,
        item=item,
    )


OUTSIDERS = ("nord.requester", "nord.admin", "nord_consultant", "developer")


def person(world: ApiWorld, who: str, walk: Walk | None = None):
    if walk is not None and who in walk.people:
        return walk.people[who]
    side, _dot, role = who.rpartition(".")
    return getattr(getattr(world, side), role) if side else getattr(world, who)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_acmes_objects_are_404_to_outsiders_and_absent_from_their_lists(world: ApiWorld, who):
    walk = acme_world(world)
    assert set(walk.lists) | set(walk.details) == COVERED_ROUTES
    api = world.api(person(world, who))
    for name, path in walk.details.items():
        response = api.get(path)
        assert response.status_code == 404, (who, name, response.content)
        assert error_of(response)["code"] == "not_found" and SECRET not in response.content.decode(), (who, name)
    for name, path in walk.lists.items():
        response = api.get(path)
        assert response.status_code == 200, (who, name)
        assert SECRET not in response.content.decode(), (who, name)
        if name in BY_ORGANISATION:
            filtered = api.get(path, organisation=str(world.acme.organisation.pk))
            assert filtered.status_code == 200 and filtered.json()["results"] == [], (who, name)
    assert api.get(walk.lists["api:v1:time-entries"], ticket=walk.ticket.key).json()["results"] == []
    # Logging time on ACME's request or its development item: the same 404, and nothing written.
    before = TimeEntry.objects.count()
    for body in ({"ticket": walk.ticket.key, "minutes": 5}, {"development_item": walk.item.pk, "minutes": 5}):
        response = api.post(walk.lists["api:v1:time-entries"], body, headers={"Idempotency-Key": f"walk-{who}"})
        assert response.status_code == 404 and SECRET not in response.content.decode(), (who, body)
    assert TimeEntry.objects.count() == before


def test_acmes_own_people_and_its_consultant_read_them(world: ApiWorld):
    walk = acme_world(world)
    for name, path in walk.details.items():
        for who in walk.readers[name]:
            response = world.api(person(world, who, walk)).get(path)
            assert response.status_code == 200, (who, name)
            # A customer reads a time entry without its description: the one object without the secret for them.
            told = not (name == "api:v1:time-entry" and who.startswith("acme."))
            assert (SECRET in response.content.decode()) == told, (who, name)
