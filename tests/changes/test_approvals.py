"""Customer approval (any / all / N approvers, in the portal or by the signed one-time link) and the CAB's vote:
the counting, the refusals, what each decision records and sends, and the reminders."""

import datetime as dt

import pytest
from django.core import signing

from picocore.audit.models import AuditEntry
from picocore.changes import approvals
from picocore.changes.approvals import (
    APPROVED,
    PENDING,
    REJECTED,
    approvals_remind,
    approvals_request,
    cab_vote,
    customer_decide,
)
from picocore.changes.choices import ApprovalRule, ChangeEventKind, ChangeStatus, ChangeType, Decision
from picocore.changes.links import SALT, LinkRefused, link_request, link_token
from picocore.changes.models import ApprovalRequest, CabVote, ChangeEvent, CustomerDecision
from picocore.core import clock
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.outbox.models import OutboxEmail
from tests.changes.approval_support import (
    approver,
    make_change,
    portal_approver,
    service_manager,
    set_cab,
    set_policy,
)
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return service_manager()


@pytest.fixture
def world(acme, manager):
    """ACME with three approvers: two with portal accounts, one by e-mail only; a normal change asked of them."""
    ann, ann_contact = portal_approver(acme.organisation, "Ann Approver")
    bob, bob_contact = portal_approver(acme.organisation, "Bob Approver")
    eve_contact = approver(acme.organisation, "Eve Mail")
    change = make_change(acme.organisation, by=manager)
    requests = approvals_request(actor=manager, change=change)
    return {"change": change, "requests": requests, "ann": ann, "bob": bob, "contacts": (ann_contact, bob_contact,
            eve_contact)}  # fmt: skip


def _request_of(world, contact):
    return next(r for r in world["requests"] if r.contact_id == contact.pk)


def test_request_asks_each_approver_once_for_the_round_with_a_link(world, acme):
    change = world["change"]
    change.refresh_from_db()
    assert change.approval_round == 1
    assert sorted(r.contact.name for r in world["requests"]) == ["Ann Approver", "Bob Approver", "Eve Mail"]
    assert {r.round for r in world["requests"]} == {1}
    first = world["requests"][0]
    assert first.expires_at - first.asked_at == dt.timedelta(days=7)
    emails = list(OutboxEmail.objects.filter(kind="change_approval").order_by("to_address"))
    assert [e.to_address for e in emails] == [c.email for c in sorted(world["contacts"], key=lambda c: c.email)]
    eve = next(e for e in emails if e.to_address == "eve.mail@example.test")
    assert eve.recipient is None
    assert f"/changes/approve/{link_token(_request_of(world, world['contacts'][2]))}/" in eve.body_text
    assert eve.subject == f"[{change.key}] Approve the change “Upgrade Akeneo to 7.0”?"


def test_any_one_approval_approves_the_customer_side(world, manager):
    result = customer_decide(actor=signed_in(world["ann"]), change_id=world["change"].pk, decision=Decision.APPROVED)
    assert result.created is True
    assert result.state.customer.outcome == APPROVED
    assert (result.state.customer.approvals, result.state.customer.needed) == (1, 1)
    assert result.state.cab.outcome == PENDING
    assert result.state.outcome == PENDING


def test_all_needs_every_approver(world, acme):
    set_policy(acme.organisation, ApprovalRule.ALL)
    change = world["change"]
    customer_decide(actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.APPROVED)
    state = customer_decide(actor=signed_in(world["bob"]), change_id=change.pk, decision=Decision.APPROVED).state
    assert (state.customer.outcome, state.customer.approvals, state.customer.needed) == (PENDING, 2, 3)
    token = link_token(_request_of(world, world["contacts"][2]))
    state = customer_decide(actor=None, change_id=change.pk, decision=Decision.APPROVED, token=token).state
    assert (state.customer.outcome, state.customer.approvals, state.customer.needed) == (APPROVED, 3, 3)


def test_n_of_them(world, acme):
    set_policy(acme.organisation, ApprovalRule.COUNT, needed=2)
    change = world["change"]
    state = customer_decide(actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.APPROVED).state
    assert (state.customer.outcome, state.customer.approvals, state.customer.needed) == (PENDING, 1, 2)
    state = customer_decide(actor=signed_in(world["bob"]), change_id=change.pk, decision=Decision.APPROVED).state
    assert (state.customer.outcome, state.customer.approvals, state.customer.needed) == (APPROVED, 2, 2)


def test_one_rejection_rejects_and_needs_a_reason(world, acme):
    set_policy(acme.organisation, ApprovalRule.COUNT, needed=2)
    change = world["change"]
    with pytest.raises(ValidationError) as refused:
        customer_decide(actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.REJECTED, reason="  ")
    assert refused.value.field_errors == {"reason": ["Say why you reject the change, so the team can change the plan."]}
    assert CustomerDecision.objects.count() == 0
    result = customer_decide(
        actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.REJECTED, reason="Black Friday\x00 week"
    )
    assert result.decision.reason == "Black Friday week"
    assert result.state.outcome == REJECTED
    event = ChangeEvent.objects.get(change=change, kind=ChangeEventKind.CUSTOMER_DECISION)
    assert event.data == {"contact": "Ann Approver", "decision": "rejected", "reason": "Black Friday week",
                          "channel": "portal", "round": 1}  # fmt: skip
    assert (
        AuditEntry.objects.filter(object_id=str(result.decision.pk), object_repr__startswith=f"{change.pk}:").count()
        == 1
    )


def test_same_decision_twice_changes_nothing_and_another_is_refused(world):
    change, ann = world["change"], signed_in(world["ann"])
    first = customer_decide(actor=ann, change_id=change.pk, decision=Decision.APPROVED)
    again = customer_decide(actor=ann, change_id=change.pk, decision=Decision.APPROVED)
    assert (again.created, again.decision.pk) == (False, first.decision.pk)
    with pytest.raises(ValidationError) as refused:
        customer_decide(actor=ann, change_id=change.pk, decision=Decision.REJECTED, reason="Changed my mind")
    assert refused.value.message == "You already decided this change: Approved. A decision cannot be changed."
    assert list(CustomerDecision.objects.values_list("decision", flat=True)) == ["approved"]
    assert ChangeEvent.objects.filter(kind=ChangeEventKind.CUSTOMER_DECISION).count() == 1


def test_only_the_rounds_approvers_decide(world, acme, nord, consultant):
    change = world["change"]
    with pytest.raises(PermissionDenied):
        customer_decide(actor=signed_in(acme.admin), change_id=change.pk, decision=Decision.APPROVED)
    for outsider in (nord.admin, consultant):
        with pytest.raises(NotFound):
            customer_decide(actor=signed_in(outsider), change_id=change.pk, decision=Decision.APPROVED)
    with pytest.raises(NotFound):
        customer_decide(actor=signed_in(world["ann"]), change_id=change.pk + 999, decision=Decision.APPROVED)
    assert CustomerDecision.objects.count() == 0


def test_an_approver_added_after_the_request_is_not_asked_this_round(world, acme):
    late, _ = portal_approver(acme.organisation, "Lara Late")
    with pytest.raises(PermissionDenied):
        customer_decide(actor=signed_in(late), change_id=world["change"].pk, decision=Decision.APPROVED)


def test_not_awaiting_approval_refused(world):
    change = world["change"]
    change.status = ChangeStatus.SCHEDULED
    change.save(update_fields=["status"])
    with pytest.raises(ValidationError) as refused:
        customer_decide(actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.APPROVED)
    assert (
        refused.value.message
        == f"{change.key} is not awaiting approval (it is Scheduled): there is nothing to decide now."
    )
    assert CustomerDecision.objects.count() == 0


def test_link_is_single_use(world):
    change = world["change"]
    token = link_token(_request_of(world, world["contacts"][2]))
    result = customer_decide(actor=None, change_id=change.pk, decision=Decision.APPROVED, token=token)
    assert (result.decision.channel, result.decision.user) == ("link", None)
    assert ApprovalRequest.objects.get(pk=_request_of(world, world["contacts"][2]).pk).used_at is not None
    with pytest.raises(LinkRefused) as refused:
        customer_decide(actor=None, change_id=change.pk, decision=Decision.APPROVED, token=token)
    assert refused.value.message.startswith("This approval link was already used on ")
    assert CustomerDecision.objects.count() == 1


def test_expired_link_refused(world, monkeypatch):
    request = _request_of(world, world["contacts"][2])
    later = request.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    monkeypatch.setattr("picocore.changes.links.now", lambda: later)
    with pytest.raises(LinkRefused) as refused:
        customer_decide(actor=None, change_id=world["change"].pk, decision=Decision.APPROVED, token=link_token(request))
    assert refused.value.message.startswith("This approval link expired on ")
    assert CustomerDecision.objects.count() == 0
    assert ApprovalRequest.objects.get(pk=request.pk).used_at is None


def test_tampered_and_foreign_links_refused(world, acme, manager):
    request = _request_of(world, world["contacts"][2])
    token = link_token(request)
    other = make_change(acme.organisation, by=manager, title="Another")
    forged = signing.dumps([request.pk + 1, 1], salt="not-ours")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "x" * 500, "abc\x00def", ""):
        with pytest.raises(LinkRefused) as refused:
            link_request(bad)
        assert (
            refused.value.message == "This approval link is not valid. Use the link from the e-mail exactly as it came."
        )
    with pytest.raises(NotFound):  # a real link used against another change is refused like a missing one
        customer_decide(actor=None, change_id=other.pk, decision=Decision.APPROVED, token=token)
    assert signing.loads(token, salt=SALT) == [request.pk, 1]
    assert CustomerDecision.objects.count() == 0
    assert ApprovalRequest.objects.get(pk=request.pk).used_at is None


def test_a_new_round_voids_the_old_links(world, manager):
    change = world["change"]
    old = link_token(_request_of(world, world["contacts"][2]))
    change.approval_round = 2
    change.save(update_fields=["approval_round"])
    again = approvals_request(actor=manager, change=change)
    assert [r.round for r in again] == [2, 2, 2]
    assert approvals_request(actor=manager, change=change) == []  # asked once per round
    with pytest.raises(LinkRefused) as refused:
        link_request(old)
    assert (
        refused.value.message == f"This approval link is for an earlier request; a newer one was sent for {change.key}."
    )


def test_portal_decision_uses_up_the_link(world):
    change = world["change"]
    customer_decide(actor=signed_in(world["ann"]), change_id=change.pk, decision=Decision.APPROVED)
    with pytest.raises(LinkRefused):
        link_request(link_token(_request_of(world, world["contacts"][0])))


def test_cab_quorum(world, manager):
    set_cab(quorum=2)
    change = world["change"]
    second = service_manager("Sue Manager")
    state = cab_vote(actor=signed_in(manager), change_id=change.pk, decision=Decision.APPROVED).state
    assert (state.cab.outcome, state.cab.approvals, state.cab.needed) == (PENDING, 1, 2)
    state = cab_vote(actor=signed_in(second), change_id=change.pk, decision=Decision.APPROVED).state
    assert (state.cab.outcome, state.cab.approvals, state.cab.needed) == (APPROVED, 2, 2)
    assert state.outcome == PENDING  # the customer has not decided
    state = customer_decide(actor=signed_in(world["bob"]), change_id=change.pk, decision=Decision.APPROVED).state
    assert state.outcome == APPROVED
    assert ChangeEvent.objects.filter(change=change, kind=ChangeEventKind.CAB_DECISION).count() == 2


def test_cab_rejection_needs_reason_and_only_managers_vote(world, consultant, nord):
    change = world["change"]
    with pytest.raises(PermissionDenied):
        cab_vote(actor=signed_in(consultant), change_id=change.pk, decision=Decision.APPROVED)
    for outsider in (nord.admin, world["ann"]):
        with pytest.raises(NotFound):
            cab_vote(actor=signed_in(outsider), change_id=change.pk, decision=Decision.APPROVED)
    manager = service_manager("Max Manager")
    with pytest.raises(ValidationError):
        cab_vote(actor=signed_in(manager), change_id=change.pk, decision=Decision.REJECTED)
    with pytest.raises(ValidationError):
        cab_vote(actor=signed_in(manager), change_id=change.pk, decision="maybe")
    assert CabVote.objects.count() == 0
    state = cab_vote(
        actor=signed_in(manager), change_id=change.pk, decision=Decision.REJECTED, reason="No back-out"
    ).state
    assert state.outcome == REJECTED
    with pytest.raises(ValidationError):
        cab_vote(actor=signed_in(manager), change_id=change.pk, decision=Decision.APPROVED)


def test_cab_only_for_normal_changes(acme, manager):
    change = make_change(acme.organisation, by=manager, change_type=ChangeType.EMERGENCY)
    with pytest.raises(ValidationError):
        cab_vote(actor=signed_in(manager), change_id=change.pk, decision=Decision.APPROVED)


def test_reminders_once_per_interval_never_after_a_decision(world, monkeypatch):
    set_cab(reminder_hours=24)
    asked = world["requests"][0].asked_at
    clock_at = {"now": asked + dt.timedelta(hours=23)}
    monkeypatch.setattr(approvals, "now", lambda: clock_at["now"])
    assert approvals_remind() == 0
    customer_decide(actor=signed_in(world["ann"]), change_id=world["change"].pk, decision=Decision.APPROVED)
    clock_at["now"] = asked + dt.timedelta(hours=25)
    assert approvals_remind() == 2  # Bob and Eve, not Ann who decided
    assert approvals_remind() == 0  # once per interval
    reminders = OutboxEmail.objects.filter(kind="change_approval_reminder")
    assert sorted(reminders.values_list("to_address", flat=True)) == sorted(
        [world["contacts"][1].email, "eve.mail@example.test"]
    )
    assert reminders.first().subject.startswith("Reminder: [")
    clock_at["now"] = asked + dt.timedelta(hours=48)
    assert approvals_remind() == 0  # 23 hours since the last reminder
    clock_at["now"] = asked + dt.timedelta(hours=49, minutes=1)
    assert approvals_remind() == 2
    clock_at["now"] = asked + dt.timedelta(days=8)  # the links expired
    assert approvals_remind() == 0


def test_the_reminder_is_a_periodic_job(world, monkeypatch):
    from picocore.changes.tasks import remind_change_approvers
    from picocore.core.tasks import discover_periodic_jobs

    job = discover_periodic_jobs()[remind_change_approvers.module_path]
    assert job.every == dt.timedelta(hours=1)
    later = world["requests"][0].asked_at + dt.timedelta(hours=25)
    monkeypatch.setattr(approvals, "now", lambda: later)
    assert remind_change_approvers.call() == 3
    assert remind_change_approvers.call() == 0
