"""The one guarded transition service: every allowed and every refused move of every type of change, and the
guards' reasons."""

import datetime as dt

import pytest

from picocore.changes import states
from picocore.changes.choices import ChangeEventKind, ChangeStatus, ChangeType, NoticeKind, Outcome
from picocore.changes.models import (
    Change,
    ChangeEvent,
    ChangeNotice,
    CustomerDecision,
    Freeze,
    PostImplementationReview,
)
from picocore.changes.services import change_review_record, change_transition
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.outbox.models import OutboxEmail
from tests.changes.support import CPH, ready_change
from tests.conftest import signed_in

S = ChangeStatus
PAIRS = [
    (change_type, source, target)
    for change_type in ChangeType.values
    for source in S.values
    for target in S.values
    if source != target
]


def expected_allowed(change_type: str, source: str, target: str) -> bool:
    return states.may_move(change_type, source, target) and (source, target) not in states.BY_DECISION_ONLY


def snapshot(change: Change) -> tuple:
    row = Change.objects.filter(pk=change.pk).values_list("status", "approval_round", "sequence", "closed_at").get()
    return row, ChangeEvent.objects.filter(change=change).count(), OutboxEmail.objects.count()


@pytest.mark.parametrize(("change_type", "source", "target"), PAIRS)
def test_every_move_of_every_type(cw, change_type, source, target):
    """Allowed moves succeed on a change ready for them; every other pair is refused (409) with the allowed
    moves listed, and changes nothing."""
    change = ready_change(cw, change_type=change_type, status=source)
    if target == S.CLOSED:
        PostImplementationReview.objects.create(change=change, outcome=Outcome.SUCCESSFUL, author=cw.consultant)
    if expected_allowed(change_type, source, target):
        moved = change_transition(actor=cw.consultant, change_id=change.pk, target=target, override="Site down")
        assert moved.status == target
        assert Change.objects.get(pk=change.pk).status == target
        event = ChangeEvent.objects.filter(change=change, kind=ChangeEventKind.STATUS).get()
        assert event.data == {"from": source, "to": target, "reason": ""}
    else:
        before = snapshot(change)
        with pytest.raises(InvalidTransition) as refused:
            change_transition(actor=cw.consultant, change_id=change.pk, target=target)
        allowed = tuple(
            t for t in states.allowed_from(change_type, source) if (source, t) not in states.BY_DECISION_ONLY
        )
        assert refused.value.allowed == allowed
        assert refused.value.status_code == 409
        assert refused.value.message.startswith(
            f"{change.key} cannot move from {S(source).label} to {S(target).label}."
        )
        assert snapshot(change) == before


def test_rejection_comes_only_from_a_decision(cw):
    change = ready_change(cw, status=S.AWAITING_APPROVAL)
    with pytest.raises(InvalidTransition) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.REJECTED)
    assert refused.value.allowed == (S.SCHEDULED, S.ASSESSMENT, S.CANCELLED)
    moved = change_transition(actor=None, change_id=change.pk, target=S.REJECTED, by_decision=True)
    assert moved.status == S.REJECTED


def test_entering_awaiting_approval_opens_a_new_round_and_needs_plans_components_and_window(cw):
    change = ready_change(cw, status=S.ASSESSMENT, components=(), approved=False)
    Change.objects.filter(pk=change.pk).update(test_plan="", planned_start=None, planned_end=None)
    before = snapshot(change)
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    assert refused.value.message == (
        "Write its test plan first. Confirm the components it affects first. Plan its window first."
    )
    assert snapshot(change) == before
    ready = ready_change(cw, status=S.ASSESSMENT, approved=False)
    assert change_transition(actor=cw.consultant, change_id=ready.pk, target=S.AWAITING_APPROVAL).approval_round == 2


def test_a_normal_change_is_scheduled_only_when_its_round_is_approved(cw):
    change = ready_change(cw, status=S.AWAITING_APPROVAL, approved=False)
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED)
    assert (
        refused.value.message == f"{change.key} is not approved yet: the customer's approvers and the CAB decide first."
    )
    from tests.changes.support import approve

    approve(cw, change)
    scheduled = change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED)
    assert (scheduled.status, scheduled.sequence) == (S.SCHEDULED, 0)
    assert list(ChangeNotice.objects.filter(change=change).values_list("kind", "sequence")) == [
        (NoticeKind.SCHEDULED, 0)
    ]
    # Back to assessment, a new round approved, scheduled again: the customer heard of it, so it is a reschedule.
    change_transition(actor=cw.consultant, change_id=change.pk, target=S.ASSESSMENT)
    change_transition(actor=cw.consultant, change_id=change.pk, target=S.AWAITING_APPROVAL)
    assert not CustomerDecision.objects.filter(change=change, round=2).exists()
    approve(cw, change)
    again = change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED)
    assert again.sequence == 1
    assert list(ChangeNotice.objects.filter(change=change).order_by("id").values_list("kind", "sequence")) == [
        (NoticeKind.SCHEDULED, 0), (NoticeKind.RESCHEDULED, 1),
    ]  # fmt: skip


CHRISTMAS_START = dt.datetime(2027, 12, 21, 20, tzinfo=CPH)
CHRISTMAS_END = dt.datetime(2027, 12, 21, 22, tzinfo=CPH)


@pytest.fixture
def christmas(cw):
    return Freeze.objects.create(
        organisation=cw.acme.organisation, name="Christmas trade", starts_on=dt.date(2027, 12, 15),
        ends_on=dt.date(2027, 12, 31),
    )  # fmt: skip


def test_a_normal_change_in_a_freeze_is_refused_with_the_reason(cw, christmas):
    change = ready_change(cw, status=S.AWAITING_APPROVAL, start=CHRISTMAS_START, end=CHRISTMAS_END)
    before = snapshot(change)
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED, override="Please")
    assert refused.value.message == "The window falls in the freeze “Christmas trade” (15 Dec – 31 Dec)."
    assert refused.value.field_errors == {"planned_start": [refused.value.message]}
    assert snapshot(change) == before


def test_a_global_freeze_applies_to_every_customer(cw):
    Freeze.objects.create(name="Black Friday", starts_on=dt.date(2027, 11, 26), ends_on=dt.date(2027, 11, 29))
    change = ready_change(cw, change_type=ChangeType.STANDARD, start=dt.datetime(2027, 11, 27, 1, tzinfo=CPH),
                          end=dt.datetime(2027, 11, 27, 2, tzinfo=CPH))  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED)
    assert refused.value.message == "The window falls in the freeze “Black Friday” (26 Nov – 29 Nov)."


def test_an_emergency_change_may_go_into_a_freeze_with_a_reason(cw, christmas):
    change = ready_change(cw, change_type=ChangeType.EMERGENCY, start=CHRISTMAS_START, end=CHRISTMAS_END)
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED)
    assert refused.value.field_errors == {"override": [
        "The window falls in the freeze “Christmas trade” (15 Dec – 31 Dec). An emergency change may go ahead: "
        "say why in the override reason."
    ]}  # fmt: skip
    moved = change_transition(actor=cw.consultant, change_id=change.pk, target=S.SCHEDULED, override="Checkout is down")
    assert (moved.status, moved.schedule_override) == (S.SCHEDULED, "Checkout is down")
    override = ChangeEvent.objects.get(change=change, kind=ChangeEventKind.OVERRIDE)
    assert override.data == {
        "refusal": "The window falls in the freeze “Christmas trade” (15 Dec – 31 Dec).",
        "reason": "Checkout is down",
    }


def test_an_emergency_change_cannot_close_without_its_review(cw):
    change = ready_change(cw, change_type=ChangeType.EMERGENCY, status=S.REVIEW)
    before = snapshot(change)
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=change.pk, target=S.CLOSED)
    assert refused.value.message == f"{change.key} needs its post-implementation review before it closes."
    assert snapshot(change) == before
    change_review_record(actor=cw.consultant, change_id=change.pk, outcome=Outcome.SUCCESSFUL)
    closed = change_transition(actor=cw.consultant, change_id=change.pk, target=S.CLOSED)
    assert closed.status == S.CLOSED and closed.closed_at is not None


def test_a_failed_change_needs_its_review_and_a_successful_normal_one_does_not(cw):
    failed = ready_change(cw, status=S.FAILED)
    with pytest.raises(ValidationError):
        change_transition(actor=cw.consultant, change_id=failed.pk, target=S.CLOSED)
    done = ready_change(cw, status=S.REVIEW)
    assert change_transition(actor=cw.consultant, change_id=done.pk, target=S.CLOSED).status == S.CLOSED


def test_an_emergency_change_may_start_at_once_and_the_customer_hears_each_step(cw):
    change = ready_change(cw, change_type=ChangeType.EMERGENCY)
    started = change_transition(actor=cw.consultant, change_id=change.pk, target=S.IMPLEMENTING)
    assert started.started_at is not None
    finished = change_transition(actor=cw.consultant, change_id=change.pk, target=S.REVIEW)
    assert finished.finished_at is not None
    assert list(ChangeNotice.objects.filter(change=change).order_by("id").values_list("kind", flat=True)) == [
        NoticeKind.STARTED, NoticeKind.COMPLETED,
    ]  # fmt: skip
    subjects = list(OutboxEmail.objects.filter(kind="change_notice").order_by("id").values_list("subject", flat=True))
    assert subjects == [
        f"[{change.key}] Maintenance started: Upgrade the PIM", f"[{change.key}] Maintenance ended: Upgrade the PIM",
    ]  # fmt: skip


def test_cancelling_tells_the_customer_only_if_they_heard_of_it(cw):
    quiet = ready_change(cw, status=S.ASSESSMENT)
    change_transition(actor=cw.consultant, change_id=quiet.pk, target=S.CANCELLED)
    assert not ChangeNotice.objects.filter(change=quiet).exists()
    told = ready_change(cw, change_type=ChangeType.STANDARD)
    change_transition(actor=cw.consultant, change_id=told.pk, target=S.SCHEDULED)
    change_transition(actor=cw.consultant, change_id=told.pk, target=S.CANCELLED)
    assert list(ChangeNotice.objects.filter(change=told).order_by("id").values_list("kind", flat=True)) == [
        NoticeKind.SCHEDULED, NoticeKind.CANCELLED,
    ]  # fmt: skip


def test_only_the_team_serving_the_customer_moves_its_changes(cw):
    change = ready_change(cw, change_type=ChangeType.STANDARD)
    before = snapshot(change)
    with pytest.raises(NotFound):
        change_transition(actor=signed_in(cw.outsider), change_id=change.pk, target=S.SCHEDULED)
    with pytest.raises(NotFound):
        change_transition(actor=cw.desk.acme_developer, change_id=change.pk, target=S.SCHEDULED)
    with pytest.raises(PermissionDenied):
        change_transition(actor=signed_in(cw.acme.admin), change_id=change.pk, target=S.SCHEDULED)
    with pytest.raises(NotFound):
        change_transition(actor=cw.consultant, change_id=999_999, target=S.SCHEDULED)
    with pytest.raises(ValidationError):
        change_transition(actor=cw.consultant, change_id=change.pk, target="nowhere")
    assert snapshot(change) == before
    assert change_transition(actor=cw.manager, change_id=change.pk, target=S.SCHEDULED).status == S.SCHEDULED
