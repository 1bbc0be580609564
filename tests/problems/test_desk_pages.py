"""The desk's problem pages: the list with its filters and pages, a new problem, a problem's page and its forms,
and the proposals; each runs a constant number of queries however much data there is."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.changes.choices import ChangeStatus
from picocore.problems.choices import ProblemStatus as S
from picocore.problems.models import Problem, Proposal
from picocore.problems.services import (
    problem_component_add,
    problem_create,
    problem_link_incident,
    problem_set_fixing_change,
    proposals_detect,
)
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket, TicketEvent
from tests.changes.approval_support import make_change
from tests.desk.conftest import leaked, messages_shown, page


def _problem(pw, title: str = "Imports stall at night", *tickets, workaround: str = "Run it again.") -> Problem:
    problem = problem_create(actor=pw.consultant, title=title, workaround=workaround, owner_id=pw.consultant.pk)
    for ticket in tickets:
        problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=ticket.key)
    return problem


def _queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(captured), page(response)


def test_the_list_filters_and_pages(client, pw):
    acme = _problem(pw, "Acme imports stall", pw.ticket)
    nord = _problem(pw, "Nord sync slow", pw.nord_ticket)
    client.force_login(pw.consultant)
    response = client.get(reverse("desk:problems"))
    assert [row.problem.key for row in response.context["rows"]] == [nord.key, acme.key]
    assert [row.customers for row in response.context["rows"]] == [["Nord Ltd"], ["Acme Ltd"]]
    response = client.get(
        reverse("desk:problems"),
        {"organisation": pw.acme.organisation.pk, "status": S.KNOWN_ERROR, "owner": pw.consultant.pk},
    )
    assert [row.problem.key for row in response.context["rows"]] == [acme.key]
    response = client.get(reverse("desk:problems"), {"status": "broken", "owner": "x"})
    assert response.status_code == 400
    assert "Choose a status from the list." in page(response)
    # Otto serves Nord only: ACME's problem is not his to see.
    client.force_login(pw.outsider)
    response = client.get(reverse("desk:problems"))
    assert [row.problem.key for row in response.context["rows"]] == [nord.key]
    assert leaked(response) == []


def test_the_list_runs_the_same_queries_however_many_problems(client, pw):
    client.force_login(pw.consultant)
    _problem(pw, "First", pw.ticket)
    few, _html = _queries(client, reverse("desk:problems"))
    for n in range(60):
        _problem(pw, f"Problem {n}", pw.ticket if n % 2 else pw.nord_ticket)
    many, html = _queries(client, reverse("desk:problems"))
    assert many == few
    assert 'rel="next"' in html
    response = client.get(reverse("desk:problems"), {"after": "not-a-cursor"})
    assert response.status_code == 400


def test_a_new_problem_with_its_first_incident(client, pw):
    client.force_login(pw.consultant)
    assert client.get(reverse("desk:problem_new")).status_code == 200
    response = client.post(
        reverse("desk:problem_new"),
        {"title": "Imports stall", "incident": pw.ticket.key.lower(), "owner": pw.consultant.pk},
    )
    problem = Problem.objects.get()
    assert response["Location"] == reverse("desk:problem", args=[problem.pk])
    assert list(problem.incident_links.values_list("ticket__key", flat=True)) == [pw.ticket.key]
    client.force_login(pw.outsider)
    response = client.post(reverse("desk:problem_new"), {"title": "Mine", "incident": pw.ticket.key})
    assert response.status_code == 400
    assert Problem.objects.count() == 1
    assert leaked(response, own=(pw.ticket.key,)) == []


def test_the_problem_page_runs_the_same_queries_however_much_it_holds(client, pw):
    problem = _problem(pw, "Imports stall", pw.ticket)
    client.force_login(pw.consultant)
    few, _html = _queries(client, reverse("desk:problem", args=[problem.pk]))
    for n in range(8):
        ticket = pw.acme.ticket(title=f"Stalled {n}")
        problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=ticket.key)
    problem_component_add(actor=pw.consultant, problem_id=problem.pk, component_id=pw.acme_pim.pk)
    problem_component_add(actor=pw.consultant, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    change = make_change(pw.acme.organisation, by=pw.consultant, status=ChangeStatus.REVIEW, title="Fix imports")
    problem_set_fixing_change(actor=pw.consultant, problem_id=problem.pk, change_key=change.key)
    many, html = _queries(client, reverse("desk:problem", args=[problem.pk]))
    assert many == few
    assert "Proposed for resolution" in html


def test_the_forms_of_the_problem_page(client, pw):
    problem = _problem(pw, "Imports stall")
    client.force_login(pw.consultant)
    url = lambda name: reverse(f"desk:{name}", args=[problem.pk])  # noqa: E731
    assert client.post(url("problem_incidents"), {"ticket": pw.ticket.key})["Location"].endswith("#incidents")
    response = client.post(url("problem_incidents"), {"ticket": "NOPE-1"}, follow=False)
    assert response.status_code == 404
    assert "There is no ticket NOPE-1, or it is not yours to work on." in page(response)
    assert client.post(url("problem_publish"), {"body": ""}).status_code == 302
    assert TicketEvent.objects.filter(ticket=pw.ticket, kind="public_reply").count() == 1
    response = client.post(url("problem_publish"), {"body": ""}, follow=True)
    assert messages_shown(response)[-1] == "Every linked open incident already has the workaround: nothing was posted."
    assert TicketEvent.objects.filter(ticket=pw.ticket, kind="public_reply").count() == 1
    data = {"known_issue_title": "Imports may stall", "known_issue_text": "Run it again.", "action": "publish"}
    assert client.post(url("problem_known_issue"), data).status_code == 302
    assert Problem.objects.get(pk=problem.pk).known_issue_published_at is not None
    assert client.post(url("problem_known_issue"), {"action": "withdraw"}).status_code == 302
    assert Problem.objects.get(pk=problem.pk).known_issue_published_at is None
    response = client.post(url("problem_transition"), {"target": S.NEW})
    assert response.status_code == 409
    assert f"{problem.key} cannot move from Known error to New." in page(response)
    assert client.post(url("problem_transition"), {"target": S.RESOLVED}).status_code == 302
    change = make_change(pw.acme.organisation, by=pw.consultant, status=ChangeStatus.CLOSED, title="Fix imports")
    assert client.post(url("problem_change"), {"change": change.key}).status_code == 302
    response = client.post(url("problem_resolve"), {"tickets": [pw.ticket.pk], "note": "Fixed by the change."})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=pw.ticket.pk).status == Status.RESOLVED
    assert client.post(url("problem_incidents"), {"unlink": pw.ticket.pk}).status_code == 302
    assert client.post(url("problem_components"), {"add": pw.acme_pim.pk}).status_code == 302
    assert client.post(url("problem_components"), {"remove": pw.acme_pim.pk}).status_code == 302
    data = {"title": "Imports stall at night", "workaround": "Run it again.", "owner": pw.manager.pk}
    assert client.post(url("problem"), data).status_code == 302
    assert Problem.objects.get(pk=problem.pk).title == "Imports stall at night"


def test_the_proposals_are_the_service_managers(client, pw):
    for _ in range(5):
        pw.acme.ticket(title="Export broken", component=pw.acme_pim)
    proposals_detect()
    proposal = Proposal.objects.get()
    client.force_login(pw.consultant)
    assert client.get(reverse("desk:problem_proposals")).status_code == 404
    client.force_login(pw.manager)
    few, html = _queries(client, reverse("desk:problem_proposals"))
    assert "ACME PIM app: Export broken" in html
    for _ in range(6):
        pw.nord.ticket(title="Sync broken", component=pw.nord_cms)
    proposals_detect()
    many, html = _queries(client, reverse("desk:problem_proposals"))
    assert (many, html.count("Accept: log the problem")) == (few, 2)
    response = client.post(reverse("desk:problem_proposal", args=[proposal.pk]), {"action": "accept"})
    problem = Problem.objects.get()
    assert response["Location"] == reverse("desk:problem", args=[problem.pk])
    assert "ACME PIM app: Export broken" in page(client.get(response["Location"]))
    response = client.post(reverse("desk:problem_proposal", args=[proposal.pk]), {"action": "dismiss"}, follow=True)
    assert messages_shown(response)[-1] == "This proposal was already accepted."


def test_the_ticket_page_shows_its_problems_and_links_to_one(client, pw):
    from tests.desk.test_query_counts import queries

    client.force_login(pw.consultant)
    path = reverse("desk:ticket", args=[pw.ticket.key])
    assert "Linked to no problem." in page(client.get(path))
    before = len(queries(client, path))
    problem = problem_create(actor=pw.consultant, title="Imports stall at night")
    response = client.post(reverse("desk:ticket_problem", args=[pw.ticket.key]), {"problem": problem.key.lower()})
    assert response["Location"] == path
    for n in range(5):
        other = problem_create(actor=pw.consultant, title=f"Other cause {n}")
        problem_link_incident(actor=pw.consultant, problem_id=other.pk, ticket_key=pw.ticket.key)
    html = page(client.get(path))
    assert f"{problem.key}</a> <span data-user-content>Imports stall at night</span>" in html
    assert len(queries(client, path)) == before
    response = client.post(reverse("desk:ticket_problem", args=[pw.ticket.key]), {"problem": "PRB-999999"})
    assert response.status_code == 400
    assert "There is no problem PRB-999999, or it is not yours to see." in page(response)
    # Otto cannot see a problem affecting ACME only: the ticket page of his Nord ticket refuses to link to it.
    client.force_login(pw.outsider)
    response = client.post(reverse("desk:ticket_problem", args=[pw.nord_ticket.key]), {"problem": problem.key})
    assert response.status_code == 400
    assert not problem.incident_links.filter(ticket=pw.nord_ticket).exists()
