"""/api/v1/problems/ and /api/v1/known-issues/: the desk's problems for the service team (only the customers it
serves), the portal's known issues for customers (published, not closed, affecting their organisation)."""

import pytest

from picocore.problems.models import Problem
from picocore.problems.services import problem_create, problem_link_incident, problem_publish_known_issue
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

PROBLEMS, ISSUES = "/api/v1/problems/", "/api/v1/known-issues/"


def problem_of(world: ApiWorld, customer, title: str, *, published: bool = True) -> Problem:
    problem = problem_create(actor=world.consultant, title=title, root_cause="A full disk", workaround="Restart.")
    problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=customer.ticket().key)
    if published:
        problem_publish_known_issue(actor=world.consultant, problem_id=problem.pk, title=f"{title} (known)",
                                    text="Restart the import.")  # fmt: skip
    return Problem.objects.get(pk=problem.pk)


def test_staff_read_problems_with_the_customers_they_serve(world: ApiWorld):
    acme = problem_of(world, world.acme, "Imports stall")
    problem_link_incident(actor=world.consultant, problem_id=acme.pk, ticket_key=world.nord.ticket().key)
    body = world.api(world.consultant).get(f"{PROBLEMS}{acme.pk}/").json()
    assert body["key"] == acme.key and body["root_cause"] == "A full disk" and body["workaround"] == "Restart."
    assert body["known_issue"]["title"] == "Imports stall (known)" and body["incidents"] == 2
    assert [c["slug"] for c in body["customers"]] == [world.acme.organisation.slug, world.nord.organisation.slug]
    # The consultant serving NORD only sees the problem, NORD's part of it and nothing of ACME.
    nord_view = world.api(world.nord_consultant).get(f"{PROBLEMS}{acme.pk}/").json()
    assert [c["slug"] for c in nord_view["customers"]] == [world.nord.organisation.slug]
    assert nord_view["incidents"] == 1
    assert [p["id"] for p in world.api(world.consultant).get(PROBLEMS).json()["results"]] == [acme.pk]
    for outsider in (world.acme.requester, world.acme.admin, world.developer):
        api = world.api(outsider)
        assert api.get(PROBLEMS).json()["results"] == []
        assert api.get(f"{PROBLEMS}{acme.pk}/").status_code == 404


def test_customers_read_the_known_issues_the_portal_shows_them(world: ApiWorld):
    shown = problem_of(world, world.acme, "Imports stall")
    problem_of(world, world.acme, "Not yet public", published=False)
    nords = problem_of(world, world.nord, "Nord's stall")
    for customer in (world.acme.requester, world.acme.admin):
        api = world.api(customer)
        listed = api.get(ISSUES).json()["results"]
        assert [(i["id"], i["title"], i["text"], i["fixed"]) for i in listed] == [
            (shown.pk, "Imports stall (known)", "Restart the import.", False)
        ]
        assert set(listed[0]) == {"id", "url", "title", "text", "fixed", "published_at", "updated_at"}
        assert api.get(f"{ISSUES}{shown.pk}/").json()["title"] == "Imports stall (known)"
        assert api.get(f"{ISSUES}{nords.pk}/").status_code == 404
    Problem.objects.filter(pk=shown.pk).update(status="closed")
    assert world.api(world.acme.requester).get(f"{ISSUES}{shown.pk}/").status_code == 404
    assert world.api(world.consultant).get(ISSUES).json()["results"] == []


def test_scopes_and_bad_parameters(world: ApiWorld):
    problem = problem_of(world, world.acme, "Imports stall")
    api = world.api(world.consultant, {"tickets:read", "changes:read"})
    for path in (PROBLEMS, f"{PROBLEMS}{problem.pk}/", ISSUES, f"{ISSUES}{problem.pk}/"):
        response = api.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied", path
    api = world.api(world.consultant)
    for params in ({"status": "nope"}, {"status": "new\x00"}, {"organisation": "-3"}, {"cursor": "x"}):
        response = api.get(PROBLEMS, **params)
        assert response.status_code == 400 and set(params) <= set(error_of(response)["fields"]), params
    known = api.get(PROBLEMS, status="known_error", organisation=str(world.acme.organisation.pk)).json()
    assert [p["id"] for p in known["results"]] == [problem.pk]


def test_the_details_carry_an_etag(world: ApiWorld):
    problem = problem_of(world, world.acme, "Imports stall")
    for api, path in ((world.api(world.consultant), f"{PROBLEMS}{problem.pk}/"),
                      (world.api(world.acme.admin), f"{ISSUES}{problem.pk}/")):  # fmt: skip
        etag = api.get(path)["ETag"]
        assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    staff, path = world.api(world.consultant), f"{PROBLEMS}{problem.pk}/"
    etag = staff.get(path)["ETag"]
    problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=world.acme.ticket().key)
    assert staff.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_the_lists_cost_the_same_for_more_problems(world: ApiWorld):
    problem_of(world, world.acme, "First")
    staff, customer = world.api(world.consultant), world.api(world.acme.requester)
    before = read_statements(staff, PROBLEMS), read_statements(customer, ISSUES)
    for n in range(4):
        more = problem_of(world, world.acme, f"More {n}")
        problem_link_incident(actor=world.consultant, problem_id=more.pk, ticket_key=world.nord.ticket().key)
    assert (read_statements(staff, PROBLEMS), read_statements(customer, ISSUES)) == before
    first = staff.get(PROBLEMS, page_size=2).json()
    assert len(first["results"]) == 2 and first["next"]
