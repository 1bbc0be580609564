"""A known error reaching customers: the workaround on every linked open incident exactly once, the known issue to
the affected customers only, and the incidents resolved once the fixing change is done."""

import pytest
from django.db import IntegrityError, transaction

from picocore.changes.choices import ChangeStatus, Outcome
from picocore.changes.models import PostImplementationReview
from picocore.core.errors import InvalidTransition, NotFound, ValidationError
from picocore.notifications.models import Notification, NotificationKind
from picocore.problems.choices import ProblemStatus as S
from picocore.problems.models import Problem, WorkaroundDelivery
from picocore.problems.selectors import (
    KnownIssue,
    portal_known_issue_get,
    portal_known_issues,
    problem_detail,
)
from picocore.problems.services import (
    problem_component_add,
    problem_create,
    problem_link_incident,
    problem_publish_known_issue,
    problem_publish_workaround,
    problem_resolve_incidents,
    problem_set_fixing_change,
    problem_transition,
    problem_withdraw_known_issue,
)
from picocore.tickets.choices import Status
from picocore.tickets.models import TicketEvent
from picocore.tickets.services import ticket_transition
from tests.changes.approval_support import make_change
from tests.conftest import signed_in
from tests.problems.support import problem_state

WORKAROUND = "Run the import again after 06:00."


def _known_error(pw, *tickets) -> Problem:
    problem = problem_create(actor=pw.manager, title="Imports stall at night", workaround=WORKAROUND)
    for ticket in tickets:
        problem_link_incident(actor=pw.manager, problem_id=problem.pk, ticket_key=ticket.key)
    return problem


def _replies(ticket) -> list[str]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind="public_reply", public=True).values_list("body", flat=True)
    )


def test_publishing_reaches_every_linked_open_incident_exactly_once(pw):
    second = pw.acme.ticket(title="Import stalled again", by=pw.acme.admin)
    finished = pw.acme.ticket(title="Import stalled last week")
    ticket_transition(actor=pw.consultant, ticket=finished, to=Status.CANCELLED)
    problem = _known_error(pw, pw.ticket, second, pw.nord_ticket, finished)
    notified_before = Notification.objects.filter(kind=NotificationKind.REPLY).count()

    made = problem_publish_workaround(actor=pw.manager, problem_id=problem.pk)

    expected = f"We have found the cause of this and a workaround while we fix it:\n\n{WORKAROUND}"
    assert [d.ticket.key for d in made] == [pw.ticket.key, pw.nord_ticket.key, second.key]
    assert {t.key: _replies(t) for t in (pw.ticket, second, pw.nord_ticket, finished)} == {
        pw.ticket.key: [expected],
        second.key: [expected],
        pw.nord_ticket.key: [expected],
        finished.key: [],
    }
    replies = Notification.objects.filter(kind=NotificationKind.REPLY).order_by("user__full_name")
    assert replies.count() - notified_before == 3
    assert sorted(n.user.full_name for n in replies) == ["ACME Admin", "ACME Requester", "NORD Requester"]
    # Published again (a second click, a retry): nothing more reaches them. A new incident gets it alone.
    state = problem_state()
    assert problem_publish_workaround(actor=pw.manager, problem_id=problem.pk) == []
    after = problem_state()
    assert {k: v for k, v in after.items() if k not in ("problems", "events", "audit")} == {
        k: v for k, v in state.items() if k not in ("problems", "events", "audit")
    }
    third = pw.acme.ticket(title="Import stalled tonight")
    problem_link_incident(actor=pw.manager, problem_id=problem.pk, ticket_key=third.key)
    assert [
        d.ticket.key for d in problem_publish_workaround(actor=pw.manager, problem_id=problem.pk, body="Restart it.")
    ] == [third.key]
    assert _replies(third) == ["Restart it."]
    assert _replies(pw.ticket) == [expected]
    assert problem_detail(actor=pw.manager, problem_id=problem.pk).pending == 0


def test_the_delivery_row_holds_once_per_incident(pw):
    """What keeps a concurrent publish from posting twice, under the problem's row lock: the unique key."""
    problem = _known_error(pw, pw.ticket)
    problem_publish_workaround(actor=pw.manager, problem_id=problem.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkaroundDelivery.objects.create(problem=problem, ticket=pw.ticket, organisation=pw.acme.organisation)
    assert WorkaroundDelivery.objects.filter(problem=problem).count() == 1


def test_nothing_is_published_without_a_workaround(pw):
    problem = problem_create(actor=pw.manager, title="Imports stall")
    problem_link_incident(actor=pw.manager, problem_id=problem.pk, ticket_key=pw.ticket.key)
    before = problem_state()
    with pytest.raises(ValidationError):
        problem_publish_workaround(actor=pw.manager, problem_id=problem.pk)
    with pytest.raises(ValidationError):
        problem_publish_known_issue(actor=pw.manager, problem_id=problem.pk, title="Imports", text="Wait.")
    assert problem_state() == before


def _published(pw) -> Problem:
    """A known issue of a problem affecting ACME through an incident and Nord through a component."""
    problem = _known_error(pw, pw.ticket)
    problem_component_add(actor=pw.manager, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    return problem_publish_known_issue(
        actor=pw.manager,
        problem_id=problem.pk,
        title="Night imports may stall",
        text="Run the import again in the morning.",
    )


def test_a_known_issue_is_shown_only_to_the_affected_customers(pw):
    from tests.conftest import make_customer

    problem = _published(pw)
    other = make_customer("OTHER", pw.operations)
    expected = KnownIssue(
        pk=problem.pk,
        title="Night imports may stall",
        text="Run the import again in the morning.",
        fixed=False,
        published_at=problem.known_issue_published_at,
        updated_at=problem.updated_at,
    )
    for customer in (pw.acme, pw.nord):
        for person in (customer.requester, customer.admin):
            actor = signed_in(person)
            assert portal_known_issues(actor=actor, organisation=customer.organisation) == [expected]
            assert portal_known_issue_get(actor=actor, organisation=customer.organisation, pk=problem.pk) == expected
    outsider = signed_in(other.requester)
    assert portal_known_issues(actor=outsider, organisation=other.organisation) == []
    with pytest.raises(NotFound):
        portal_known_issue_get(actor=outsider, organisation=other.organisation, pk=problem.pk)
    # Naming an organisation one is not a member of shows nothing of it either; staff are no customers.
    for actor in (outsider, signed_in(pw.consultant)):
        assert portal_known_issues(actor=actor, organisation=pw.acme.organisation) == []
        with pytest.raises(NotFound):
            portal_known_issue_get(actor=actor, organisation=pw.acme.organisation, pk=problem.pk)


def test_a_withdrawn_or_closed_known_issue_is_shown_to_nobody(pw):
    problem = _published(pw)
    actor = signed_in(pw.acme.requester)
    problem_withdraw_known_issue(actor=pw.manager, problem_id=problem.pk)
    assert portal_known_issues(actor=actor, organisation=pw.acme.organisation) == []
    problem_publish_known_issue(
        actor=pw.manager,
        problem_id=problem.pk,
        title="Night imports may stall",
        text="Run the import again in the morning.",
    )
    problem_transition(actor=pw.manager, problem_id=problem.pk, target=S.RESOLVED)
    assert [k.fixed for k in portal_known_issues(actor=actor, organisation=pw.acme.organisation)] == [True]
    problem_transition(actor=pw.manager, problem_id=problem.pk, target=S.CLOSED)
    assert portal_known_issues(actor=actor, organisation=pw.acme.organisation) == []


def test_an_unlinked_customer_no_longer_sees_the_known_issue(pw):
    from picocore.problems.services import problem_component_remove

    problem = _published(pw)
    problem_component_remove(actor=pw.manager, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    assert portal_known_issues(actor=signed_in(pw.nord.requester), organisation=pw.nord.organisation) == []
    assert len(portal_known_issues(actor=signed_in(pw.acme.requester), organisation=pw.acme.organisation)) == 1


def _fixed_by(pw, problem: Problem, status: str = ChangeStatus.REVIEW):
    change = make_change(pw.acme.organisation, by=pw.consultant, status=status, title="Raise the lock timeout")
    problem_set_fixing_change(actor=pw.manager, problem_id=problem.pk, change_key=change.key)
    return change


def test_a_completed_fix_proposes_the_open_incidents_for_resolution(pw):
    done = pw.acme.ticket(title="Import stalled, solved")
    ticket_transition(actor=pw.consultant, ticket=done, to=Status.IN_PROGRESS)
    ticket_transition(actor=pw.consultant, ticket=done, to=Status.RESOLVED, note="Restarted.")
    problem = _known_error(pw, pw.ticket, pw.nord_ticket, done)
    change = _fixed_by(pw, problem, status=ChangeStatus.IMPLEMENTING)
    assert problem_detail(actor=pw.manager, problem_id=problem.pk).candidates == []
    before = problem_state()
    with pytest.raises(ValidationError):
        problem_resolve_incidents(actor=pw.manager, problem_id=problem.pk, ticket_ids=[pw.ticket.pk], note="Fixed.")
    assert problem_state() == before
    change.status = ChangeStatus.REVIEW
    change.save()
    detail = problem_detail(actor=pw.manager, problem_id=problem.pk)
    assert [link.ticket.key for link in detail.candidates] == [pw.ticket.key, pw.nord_ticket.key]

    resolved = problem_resolve_incidents(
        actor=pw.manager,
        problem_id=problem.pk,
        ticket_ids=[pw.ticket.pk, pw.nord_ticket.pk],
        note="Fixed by the change.",
    )
    assert [(t.key, t.status) for t in resolved] == [
        (pw.ticket.key, Status.RESOLVED),
        (pw.nord_ticket.key, Status.RESOLVED),
    ]
    resolution = TicketEvent.objects.filter(ticket=pw.ticket, kind="status_changed").latest("id")
    assert (resolution.body, resolution.public) == ("Fixed by the change.", True)
    assert (
        Notification.objects.filter(user=pw.acme.requester, ticket=pw.ticket, kind=NotificationKind.RESOLVED).count()
        == 1
    )
    assert problem_detail(actor=pw.manager, problem_id=problem.pk).candidates == []


def test_finished_incidents_are_refused_and_then_none_is_resolved(pw):
    done = pw.acme.ticket(title="Import stalled, solved")
    ticket_transition(actor=pw.consultant, ticket=done, to=Status.CANCELLED)
    problem = _known_error(pw, pw.ticket, done)
    _fixed_by(pw, problem)
    before = problem_state()
    with pytest.raises(InvalidTransition) as refused:
        problem_resolve_incidents(
            actor=pw.manager, problem_id=problem.pk, ticket_ids=[pw.ticket.pk, done.pk], note="Fixed."
        )
    assert refused.value.message == f"{done.key} is already cancelled: nothing was resolved."
    assert problem_state() == before


def test_a_failed_fix_proposes_nothing(pw):
    problem = _known_error(pw, pw.ticket)
    change = _fixed_by(pw, problem, status=ChangeStatus.CLOSED)
    PostImplementationReview.objects.create(change=change, outcome=Outcome.BACKED_OUT)
    assert problem_detail(actor=pw.manager, problem_id=problem.pk).candidates == []
