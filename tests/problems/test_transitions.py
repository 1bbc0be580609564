"""Every allowed and every refused move of the problem lifecycle, through the one guarded service."""

import pytest

from picocore.core.errors import InvalidTransition, ValidationError
from picocore.problems import states
from picocore.problems.choices import ProblemStatus as S
from picocore.problems.history import StatusChanged, entry_of
from picocore.problems.models import Problem, ProblemEvent
from picocore.problems.services import problem_create, problem_transition
from tests.problems.support import problem_state

ALLOWED = {
    S.NEW: {S.INVESTIGATING, S.KNOWN_ERROR, S.CLOSED},
    S.INVESTIGATING: {S.KNOWN_ERROR, S.RESOLVED, S.CLOSED},
    S.KNOWN_ERROR: {S.INVESTIGATING, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.INVESTIGATING, S.CLOSED},
    S.CLOSED: set(),
}
PAIRS = [(source, target) for source in S for target in S if source != target]


def test_the_table_is_the_lifecycle():
    assert {status: set(states.allowed_from(status)) for status in S} == ALLOWED
    assert states.allowed_from("nonsense") == ()


def _problem_in(pw, status: str, *, workaround: str = "Restart the importer.") -> Problem:
    problem = problem_create(actor=pw.consultant, title="Imports stall at night")
    Problem.objects.filter(pk=problem.pk).update(status=status, workaround=workaround)
    return problem


@pytest.mark.parametrize(("source", "target"), [p for p in PAIRS if p[1] in ALLOWED[p[0]]])
def test_allowed_move(pw, source, target):
    problem = _problem_in(pw, source)
    moved = problem_transition(actor=pw.consultant, problem_id=problem.pk, target=target, reason="Checked.")
    stored = Problem.objects.get(pk=problem.pk)
    assert (moved.status, stored.status) == (target, target)
    last = ProblemEvent.objects.filter(problem=problem).latest("id")
    assert entry_of(last.kind, last.data) == StatusChanged(before=source, after=target, reason="Checked.")
    assert (stored.resolved_at is not None) == (target == S.RESOLVED)
    assert (stored.closed_at is not None) == (target == S.CLOSED)


@pytest.mark.parametrize(("source", "target"), [p for p in PAIRS if p[1] not in ALLOWED[p[0]]])
def test_refused_move_lists_the_allowed_ones_and_changes_nothing(pw, source, target):
    problem = _problem_in(pw, source)
    before = problem_state()
    with pytest.raises(InvalidTransition) as refused:
        problem_transition(actor=pw.consultant, problem_id=problem.pk, target=target)
    assert refused.value.allowed == states.allowed_from(source)
    names = ", ".join(str(S(s).label) for s in states.allowed_from(source)) or "none"
    assert refused.value.message == (
        f"{problem.key} cannot move from {S(source).label} to {S(target).label}. Allowed: {names}."
    )
    assert problem_state() == before


def test_known_error_needs_a_workaround(pw):
    problem = _problem_in(pw, S.INVESTIGATING, workaround="")
    before = problem_state()
    with pytest.raises(ValidationError) as refused:
        problem_transition(actor=pw.consultant, problem_id=problem.pk, target=S.KNOWN_ERROR)
    assert refused.value.field_errors == {"workaround": ["Record the workaround first."]}
    assert problem_state() == before


def test_an_unknown_status_is_refused(pw):
    problem = _problem_in(pw, S.NEW)
    before = problem_state()
    with pytest.raises(ValidationError):
        problem_transition(actor=pw.consultant, problem_id=problem.pk, target="fixed")
    assert problem_state() == before


def test_reopening_a_resolved_problem_clears_its_resolution_time(pw):
    problem = _problem_in(pw, S.INVESTIGATING)
    problem_transition(actor=pw.consultant, problem_id=problem.pk, target=S.RESOLVED)
    problem_transition(actor=pw.consultant, problem_id=problem.pk, target=S.INVESTIGATING)
    assert Problem.objects.get(pk=problem.pk).resolved_at is None
