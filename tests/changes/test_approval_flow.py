"""The approval services and the transition service together: entering "awaiting approval" asks the approvers,
and the round's final decision moves the change on (scheduled when approved, rejected when rejected)."""

import datetime as dt

import pytest

from picocore.changes.approvals import cab_vote, customer_decide
from picocore.changes.choices import ChangeEventKind, NoticeKind
from picocore.changes.choices import ChangeStatus as S
from picocore.changes.models import ApprovalRequest, Change, ChangeEvent, ChangeNotice, CustomerDecision, Freeze
from picocore.changes.services import change_transition
from picocore.core.errors import PermissionDenied
from picocore.outbox.models import OutboxEmail
from tests.changes.support import ready_change

pytestmark = pytest.mark.django_db


def test_entering_awaiting_approval_asks_each_approver_once_by_e_mail(cw):
    change = ready_change(cw, status=S.ASSESSMENT, approved=False)
    mails = OutboxEmail.objects.count()
    moved = change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    asked = list(ApprovalRequest.objects.filter(change=change).values_list("contact_id", "round"))
    assert asked == [(cw.approver.pk, moved.approval_round)]
    assert OutboxEmail.objects.count() == mails + 1


def test_the_customer_s_approval_and_the_cab_s_vote_schedule_the_change_and_tell_the_customer(cw):
    change = ready_change(cw, status=S.ASSESSMENT, approved=False)
    change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    customer_decide(actor=cw.acme.admin, change_id=change.pk, decision="approved")
    assert Change.objects.get(pk=change.pk).status == S.AWAITING_APPROVAL  # the CAB has not voted yet
    cab_vote(actor=cw.manager, change_id=change.pk, decision="approved")
    assert Change.objects.get(pk=change.pk).status == S.SCHEDULED
    assert list(ChangeNotice.objects.filter(change=change).values_list("kind", flat=True)) == [NoticeKind.SCHEDULED]


def test_a_customer_rejection_rejects_the_change(cw):
    change = ready_change(cw, status=S.ASSESSMENT, approved=False)
    change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    customer_decide(actor=cw.acme.admin, change_id=change.pk, decision="rejected", reason="Not before the sale.")
    assert Change.objects.get(pk=change.pk).status == S.REJECTED
    assert not ChangeNotice.objects.filter(change=change).exists()


def test_an_emergency_change_is_approved_after_the_fact_when_it_enters_review(cw):
    change = ready_change(cw, change_type="emergency", status=S.IMPLEMENTING, approved=False)
    Change.objects.filter(pk=change.pk).update(approval_round=0)
    with pytest.raises(PermissionDenied):  # nobody was asked yet: nothing to decide while it is implemented
        customer_decide(actor=cw.acme.admin, change_id=change.pk, decision="approved")
    reviewed = change_transition(actor=cw.consultant, change_id=change.pk, target=S.REVIEW)
    assert reviewed.approval_round == 1
    assert list(ApprovalRequest.objects.filter(change=change).values_list("contact_id", "round")) == [
        (cw.approver.pk, 1)
    ]
    customer_decide(actor=cw.acme.admin, change_id=change.pk, decision="rejected", reason="We were not told.")
    cab_vote(actor=cw.manager, change_id=change.pk, decision="approved")
    after = Change.objects.get(pk=change.pk)
    assert (after.status, after.approval_round) == (S.REVIEW, 1)  # the decisions are the record; it stays in review
    assert list(CustomerDecision.objects.filter(change=change).values_list("decision", "reason")) == [
        ("rejected", "We were not told.")
    ]


def test_an_approved_change_whose_window_fell_into_a_freeze_stays_and_says_why(cw):
    change = ready_change(cw, status=S.ASSESSMENT, approved=False)
    change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    assert change.planned_start is not None and change.planned_end is not None
    Freeze.objects.create(name="Year-end freeze", starts_on=change.planned_start.date() - dt.timedelta(days=1),
                          ends_on=change.planned_end.date() + dt.timedelta(days=1))  # fmt: skip
    customer_decide(actor=cw.acme.admin, change_id=change.pk, decision="approved")
    cab_vote(actor=cw.manager, change_id=change.pk, decision="approved")
    assert Change.objects.get(pk=change.pk).status == S.AWAITING_APPROVAL  # the decisions are kept
    assert CustomerDecision.objects.filter(change=change, decision="approved").count() == 1
    said = list(ChangeEvent.objects.filter(change=change, kind=ChangeEventKind.NOT_SCHEDULED))
    assert len(said) == 1 and "Year-end freeze" in said[0].data["reason"]
    assert not ChangeNotice.objects.filter(change=change).exists()
