"""The portal's known issues: shown to the affected organisation's people only, in a constant number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.portal.context import SESSION_KEY
from picocore.problems.services import problem_create, problem_link_incident, problem_publish_known_issue
from tests import factories
from tests.desk.conftest import page


def _known_issue(pw, title: str, ticket):
    problem = problem_create(actor=pw.manager, title=title, workaround="Export in two halves.")
    problem_link_incident(actor=pw.manager, problem_id=problem.pk, ticket_key=ticket.key)
    return problem_publish_known_issue(actor=pw.manager, problem_id=problem.pk, title=f"{title} (known)",
                                       text="Export in two halves meanwhile.")  # fmt: skip


def _get(client, path: str) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured), page(response)


def test_the_affected_customers_see_their_known_issues_only(client, pw):
    acme = _known_issue(pw, "Exports stall", pw.ticket)
    nord = _known_issue(pw, "Sync fails", pw.nord_ticket)
    client.force_login(pw.acme.requester)
    client.get(reverse("portal:home"))  # the person's memberships, read once per process (reference data)
    status, few, html = _get(client, reverse("portal:known_issues"))
    assert status == 200
    assert "Exports stall (known)" in html and "Sync fails (known)" not in html
    assert _get(client, reverse("portal:known_issue", args=[acme.pk]))[0] == 200
    assert _get(client, reverse("portal:known_issue", args=[nord.pk]))[0] == 404
    for n in range(10):
        _known_issue(pw, f"More trouble {n}", pw.ticket)
    status, many, html = _get(client, reverse("portal:known_issues"))
    assert (status, many, html.count("(known)")) == (200, few, 11)


def test_a_person_of_both_organisations_sees_the_current_ones(client, pw):
    acme = _known_issue(pw, "Exports stall", pw.ticket)
    both = factories.UserFactory(full_name="Freelancer")
    factories.MembershipFactory(user=both, organisation=pw.acme.organisation)
    factories.MembershipFactory(user=both, organisation=pw.nord.organisation)
    client.force_login(both)
    session = client.session
    session[SESSION_KEY] = pw.nord.organisation.pk
    session.save()
    assert "Exports stall (known)" not in _get(client, reverse("portal:known_issues"))[2]
    assert _get(client, reverse("portal:known_issue", args=[acme.pk]))[0] == 404
    client.post(reverse("portal:switch_organisation"), {"organisation": pw.acme.organisation.pk})
    assert "Exports stall (known)" in _get(client, reverse("portal:known_issues"))[2]
