"""Making, editing and linking problems; who may, and that a refusal changes nothing and queues nothing."""

import datetime as dt

import pytest

from picocore.changes.services import change_create
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.problems.choices import ProblemStatus as S
from picocore.problems.history import entry_of
from picocore.problems.models import AffectedCustomer, Problem, ProblemEvent
from picocore.problems.services import (
    problem_component_add,
    problem_component_remove,
    problem_create,
    problem_link_incident,
    problem_publish_known_issue,
    problem_publish_workaround,
    problem_set_fixing_change,
    problem_transition,
    problem_unlink_incident,
    problem_update,
)
from tests.problems.support import problem_state


def _history(problem: Problem) -> list[str]:
    rows = ProblemEvent.objects.filter(problem=problem).order_by("id")
    return [entry.text() for entry in (entry_of(e.kind, e.data) for e in rows) if entry is not None]


def _customers(problem: Problem) -> list[str]:
    rows = AffectedCustomer.objects.filter(problem=problem).order_by("organisation__name")
    return list(rows.values_list("organisation__name", flat=True))


def test_problems_get_their_own_key_series(pw):
    first = problem_create(actor=pw.consultant, title="Imports stall")
    second = problem_create(actor=pw.manager, title="Search is slow")
    assert (first.key, second.key) == (f"PRB-{first.number}", f"PRB-{first.number + 1}")
    assert (first.status, first.owner, first.created_by) == (S.NEW, None, pw.consultant)
    assert _history(first) == ["Logged the problem."]


def test_texts_are_plain_without_nul_and_within_their_limits(pw):
    problem = problem_create(
        actor=pw.consultant,
        title=" Imports\x00 stall ",
        description="Every\x00 night.",
        owner_id=pw.consultant.pk,
        next_step="Read the logs",
        next_step_due=dt.date(2027, 1, 5),
    )
    assert (problem.title, problem.description, problem.owner, problem.next_step) == (
        "Imports stall",
        "Every night.",
        pw.consultant,
        "Read the logs",
    )
    before = problem_state()
    with pytest.raises(ValidationError) as refused:
        problem_create(actor=pw.consultant, title="x" * 201, description="y" * 20_001, next_step="a\nb")
    assert refused.value.field_errors == {
        "title": ["Keep it under 200 characters."],
        "description": ["Keep it under 20,000 characters."],
        "next_step": ["Keep it on one line."],
    }
    with pytest.raises(ValidationError) as refused:
        problem_create(actor=pw.consultant, title="  ", owner_id=pw.acme.requester.pk)
    assert refused.value.field_errors == {
        "title": ["This is required."],
        "owner": ["Choose an owner from the service team."],
    }
    assert problem_state() == before


def test_recording_a_workaround_makes_a_known_error(pw):
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    problem_transition(actor=pw.consultant, problem_id=problem.pk, target=S.INVESTIGATING)
    updated = problem_update(
        actor=pw.consultant,
        problem_id=problem.pk,
        title="Imports stall",
        description="",
        root_cause="Lock timeout",
        workaround="Run the import again after 06:00.",
        owner_id=pw.manager.pk,
        next_step="",
        next_step_due=None,
    )
    assert (updated.status, updated.workaround, updated.owner) == (
        S.KNOWN_ERROR,
        "Run the import again after 06:00.",
        pw.manager,
    )
    assert _history(problem) == [
        "Logged the problem.",
        "Status: New → Investigating.",
        "Edited: root cause, workaround, owner.",
        "Recorded the workaround.",
        "Status: Investigating → Known error (a workaround was recorded).",
    ]
    made = problem_create(actor=pw.consultant, title="Search slow", workaround="Use the filters.")
    assert made.status == S.KNOWN_ERROR


def test_saving_nothing_new_records_nothing(pw):
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    before = problem_state()
    problem_update(
        actor=pw.consultant,
        problem_id=problem.pk,
        title="Imports stall",
        description="",
        root_cause="",
        workaround="",
        owner_id=None,
        next_step="",
        next_step_due=None,
    )
    assert problem_state() == before


def test_linking_incidents_and_components_makes_the_affected_customers(pw):
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.ticket.key.lower())
    problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.ticket.key)  # again: nothing
    assert _customers(problem) == ["Acme Ltd"]
    problem_component_add(actor=pw.consultant, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    assert _customers(problem) == ["Acme Ltd", "Nord Ltd"]
    problem_unlink_incident(actor=pw.consultant, problem_id=problem.pk, ticket_id=pw.ticket.pk)
    assert _customers(problem) == ["Nord Ltd"]
    problem_component_remove(actor=pw.consultant, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    assert _customers(problem) == []
    assert _history(problem) == [
        "Logged the problem.",
        "Linked incident ACME-1.",
        "Affected components: added Nord CMS.",
        "Unlinked incident ACME-1.",
        "Affected components: removed Nord CMS.",
    ]


def test_only_incidents_are_linked(pw):
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    before = problem_state()
    with pytest.raises(ValidationError) as refused:
        problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.change.key)
    assert refused.value.field_errors == {"ticket": ["ACME-2 is not an incident."]}
    with pytest.raises(ValidationError):
        problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key="not a key\x00")
    assert problem_state() == before


def test_a_closed_problem_takes_no_more_links(pw):
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    problem_transition(actor=pw.consultant, problem_id=problem.pk, target=S.CLOSED)
    before = problem_state()
    with pytest.raises(InvalidTransition):
        problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.ticket.key)
    assert problem_state() == before


def test_the_fixing_change_is_named_by_its_key(pw):
    change = change_create(
        actor=pw.consultant,
        organisation_id=pw.acme.organisation.pk,
        change_type="normal",
        title="Raise the lock timeout",
        reason="Imports stall.",
    )
    problem = problem_create(actor=pw.consultant, title="Imports stall")
    problem_set_fixing_change(actor=pw.consultant, problem_id=problem.pk, change_key=change.key.lower())
    assert Problem.objects.get(pk=problem.pk).fixing_change == change
    before = problem_state()
    with pytest.raises(NotFound):  # Otto does not serve ACME: its change is not his to see
        problem_set_fixing_change(actor=pw.outsider, problem_id=problem.pk, change_key=change.key)
    with pytest.raises(ValidationError):
        problem_set_fixing_change(actor=pw.consultant, problem_id=problem.pk, change_key="change twelve")
    assert problem_state() == before
    problem_set_fixing_change(actor=pw.consultant, problem_id=problem.pk, change_key="")
    assert _history(problem)[-2:] == [f"Linked the fixing change {change.key}.", "Removed the fixing change."]


# Access: customers and developers may do nothing to problems; a consultant sees a problem of a customer they
# serve (or one affecting nobody yet) and touches only their customers' incidents and components.


def _acme_problem(pw) -> Problem:
    problem = problem_create(actor=pw.consultant, title="Imports stall", workaround="Run it again.")
    problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.ticket.key)
    return problem


def _calls(pw, problem: Problem) -> dict:
    return {
        "create": lambda actor: problem_create(actor=actor, title="Mine"),
        "update": lambda actor: problem_update(
            actor=actor,
            problem_id=problem.pk,
            title="Changed",
            description="",
            root_cause="",
            workaround="",
            owner_id=None,
            next_step="",
            next_step_due=None,
        ),
        "transition": lambda actor: problem_transition(actor=actor, problem_id=problem.pk, target=S.CLOSED),
        "link": lambda actor: problem_link_incident(actor=actor, problem_id=problem.pk, ticket_key=pw.ticket.key),
        "unlink": lambda actor: problem_unlink_incident(actor=actor, problem_id=problem.pk, ticket_id=pw.ticket.pk),
        "component": lambda actor: problem_component_add(
            actor=actor, problem_id=problem.pk, component_id=pw.acme_pim.pk
        ),
        "publish": lambda actor: problem_publish_workaround(actor=actor, problem_id=problem.pk),
        "known issue": lambda actor: problem_publish_known_issue(
            actor=actor, problem_id=problem.pk, title="Slow", text="Run it again."
        ),
    }


CALLS = ["create", "update", "transition", "link", "unlink", "component", "publish", "known issue"]
# Otto is a consultant: he may log problems of his own, but sees nothing of ACME's.
REFUSALS = [
    (who, call)
    for who in ("customer", "customer admin", "developer", "outsider")
    for call in CALLS
    if (who, call) != ("outsider", "create")
]


@pytest.mark.parametrize(("who", "call"), REFUSALS)
def test_refused_at_the_service(pw, who, call, django_capture_on_commit_callbacks):
    actor = {
        "customer": pw.acme.requester,
        "customer admin": pw.acme.admin,
        "developer": pw.acme_developer,
        "outsider": pw.outsider,
    }[who]
    problem = _acme_problem(pw)
    expected = NotFound if who == "outsider" else PermissionDenied
    before = problem_state()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(expected):
        _calls(pw, problem)[call](actor)
    assert problem_state() == before
    assert callbacks == []


def test_a_consultant_touches_only_the_customers_they_serve(pw):
    """Otto (Nord only) may work a problem affecting Nord that also affects ACME, but not ACME's part of it."""
    problem = _acme_problem(pw)
    problem_link_incident(actor=pw.consultant, problem_id=problem.pk, ticket_key=pw.nord_ticket.key)
    problem_transition(actor=pw.outsider, problem_id=problem.pk, target=S.INVESTIGATING)
    before = problem_state()
    with pytest.raises(NotFound):
        problem_unlink_incident(actor=pw.outsider, problem_id=problem.pk, ticket_id=pw.ticket.pk)
    with pytest.raises(NotFound):
        problem_component_add(actor=pw.outsider, problem_id=problem.pk, component_id=pw.acme_pim.pk)
    with pytest.raises(PermissionDenied) as refused:
        problem_publish_workaround(actor=pw.outsider, problem_id=problem.pk)
    assert refused.value.message == (
        f"Some incidents of {problem.key} belong to customers you do not serve: a service manager publishes it."
    )
    assert problem_state() == before
    problem_unlink_incident(actor=pw.outsider, problem_id=problem.pk, ticket_id=pw.nord_ticket.pk)
