"""Creating, planning, scheduling and reviewing changes: who may, what is refused, what is recorded."""

import datetime as dt

import pytest
from django.core import mail

from picocore.audit.models import AuditEntry
from picocore.changes.choices import ChangeEventKind, ChangeStatus, ChangeType, NoticeKind, Outcome
from picocore.changes.models import Change, ChangeComponent, ChangeEvent, ChangeNotice, Freeze, MaintenanceWindow
from picocore.changes.services import (
    change_components_set,
    change_create,
    change_from_ticket,
    change_review_record,
    change_schedule,
    change_transition,
    change_update,
)
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.outbox.models import OutboxEmail
from tests.changes.support import CPH, END, START, ready_change
from tests.conftest import signed_in


def create(cw, **overrides) -> Change:
    arguments = {
        "actor": cw.consultant, "organisation_id": cw.acme.organisation.pk, "change_type": ChangeType.NORMAL,
        "title": "Upgrade Akeneo", "reason": "Support ends in March.",
    }  # fmt: skip
    arguments.update(overrides)
    return change_create(**arguments)


def state() -> dict:
    return {
        "changes": list(Change.objects.order_by("pk").values_list(
            "pk", "status", "title", "reason", "planned_start", "planned_end", "sequence", "implementation_plan"
        )),
        "components": list(ChangeComponent.objects.order_by("pk").values_list("change_id", "component_id")),
        "events": ChangeEvent.objects.count(),
        "notices": ChangeNotice.objects.count(),
        "outbox": OutboxEmail.objects.count(),
    }  # fmt: skip


def test_a_consultant_makes_a_normal_change_numbered_across_the_installation(cw):
    first = create(cw)
    second = create(cw, organisation_id=cw.nord.organisation.pk, change_type=ChangeType.EMERGENCY, title="Fix it")
    assert (first.key, second.key) == (f"CHG-{first.number}", f"CHG-{first.number + 1}")
    assert (first.status, first.change_type, first.requested_by, first.implementation_plan) == (
        ChangeStatus.DRAFT, ChangeType.NORMAL, cw.consultant, "",
    )  # fmt: skip
    assert list(first.events.values_list("kind", "actor")) == [(ChangeEventKind.CREATED, cw.consultant.pk)]
    assert AuditEntry.objects.filter(object_id=str(first.pk), action="created").count() == 1
    # Unanswered, the questionnaire counts as risky: 55 points, no components yet.
    assert (first.risk_score, first.risk_level) == (55, "medium")


def test_a_standard_change_copies_its_templates_plans_and_only_from_an_offered_template(cw):
    change = create(cw, change_type=ChangeType.STANDARD, template_id=cw.template.pk, title="Restart Solr")
    assert (change.implementation_plan, change.test_plan, change.backout_plan, change.downtime_minutes) == (
        "Restart Solr.", "Search for a product.", "Nothing to back out.", 5,
    )  # fmt: skip
    before = state()
    with pytest.raises(ValidationError) as refused:
        create(cw, organisation_id=cw.nord.organisation.pk, change_type=ChangeType.STANDARD, template_id=cw.template.pk)
    assert refused.value.field_errors == {"template": ["Choose a standard change offered to this customer's tier."]}
    with pytest.raises(ValidationError) as refused:
        create(cw, template_id=cw.template.pk)
    assert refused.value.field_errors == {"template": ["Only a standard change is made from a template."]}
    assert state() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Up\x00grade", "Remove the NUL character (\\0) from the text."),
        ("title", "x" * 201, "Keep it under 200 characters."),
        ("title", "  ", "Fill in the title."),
        ("reason", "", "Fill in the reason."),
        ("change_type", "sideways", "Choose standard, normal or emergency."),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_is_made(cw, field, value, message):
    before = state()
    with pytest.raises(ValidationError) as refused:
        create(cw, **{field: value})
    assert refused.value.field_errors == {field: [message]}
    assert state() == before


def test_who_may_make_a_change(cw):
    before = state()
    with pytest.raises(NotFound):  # Otto serves NORD only: ACME is not his to see
        create(cw, actor=signed_in(cw.outsider))
    with pytest.raises(NotFound):
        create(cw, actor=cw.desk.acme_developer)
    with pytest.raises(PermissionDenied):  # ACME's admin reads its changes but does not plan them
        create(cw, actor=signed_in(cw.acme.admin))
    with pytest.raises(NotFound):
        create(cw, organisation_id=999_999)
    assert state() == before
    assert create(cw, actor=cw.manager).requested_by == cw.manager


def test_a_change_request_ticket_becomes_a_change_record_once(cw):
    ticket = cw.desk.change
    change = change_from_ticket(actor=cw.consultant, ticket_id=ticket.pk)
    assert (change.ticket, change.title, change.reason, change.change_type) == (
        ticket, ticket.title, ticket.description, ChangeType.NORMAL,
    )  # fmt: skip
    assert change_from_ticket(actor=cw.consultant, ticket_id=ticket.pk) == change
    assert Change.objects.filter(ticket=ticket).count() == 1
    with pytest.raises(ValidationError) as refused:
        change_from_ticket(actor=cw.consultant, ticket_id=cw.desk.ticket.pk)
    assert refused.value.message == "Only a change request becomes a change record."
    with pytest.raises(NotFound):
        change_from_ticket(actor=signed_in(cw.outsider), ticket_id=ticket.pk)
    with pytest.raises(NotFound):
        change_from_ticket(actor=cw.consultant, ticket_id=999_999)


def test_update_plans_while_planning_and_not_after(cw):
    change = create(cw)
    updated = change_update(
        actor=cw.consultant, change_id=change.pk, title="Upgrade Akeneo to 7.1", reason="Support ends.",
        implementation_plan="Run the upgrade.", test_plan="Import.", backout_plan="Restore the snapshot.",
        downtime_minutes=20, implementer_id=cw.consultant.pk,
        risk_answers={"tested_in_staging": True, "backout_tested": True, "customer_downtime": True},
    )  # fmt: skip
    assert (updated.title, updated.backout_plan, updated.downtime_minutes, updated.implementer) == (
        "Upgrade Akeneo to 7.1", "Restore the snapshot.", 20, cw.consultant,
    )  # fmt: skip
    assert updated.risk_answers == {"tested_in_staging": True, "backout_tested": True, "customer_downtime": True}
    assert (updated.risk_score, updated.risk_level) == (25, "low")
    assert change.events.filter(kind=ChangeEventKind.EDITED).count() == 1
    with pytest.raises(ValidationError) as refused:
        change_update(actor=cw.consultant, change_id=change.pk, title="x", reason="y", implementer_id=cw.outsider.pk)
    assert refused.value.field_errors == {
        "implementer": ["Choose an implementer from the service team serving this customer."]
    }
    Change.objects.filter(pk=change.pk).update(status=ChangeStatus.SCHEDULED)
    with pytest.raises(InvalidTransition):
        change_update(actor=cw.consultant, change_id=change.pk, title="x", reason="y")
    with pytest.raises(NotFound):
        change_update(actor=signed_in(cw.outsider), change_id=change.pk, title="x", reason="y")


def test_confirmed_components_only_of_the_changes_organisation(cw):
    change = create(cw)
    change_components_set(actor=cw.consultant, change_id=change.pk, component_ids_=[cw.pim.pk, cw.cms.pk])
    assert set(change.affected.values_list("component_id", flat=True)) == {cw.pim.pk, cw.cms.pk}
    change.refresh_from_db()
    assert [(f["key"], f["points"]) for f in change.risk_factors if f["key"] in ("production", "components")] == [
        ("production", 15), ("components", 3),
    ]  # fmt: skip
    before = state()
    for foreign in ([cw.nord_cms.pk], [cw.pim.pk, 999_999], ["1"]):
        with pytest.raises(NotFound) as refused:
            change_components_set(actor=cw.consultant, change_id=change.pk, component_ids_=foreign)
        assert refused.value.message == "There is no such component in this customer's landscape."
    assert state() == before
    change_components_set(actor=cw.consultant, change_id=change.pk, component_ids_=[cw.cms.pk])
    assert list(change.affected.values_list("component_id", flat=True)) == [cw.cms.pk]
    event = change.events.filter(kind=ChangeEventKind.COMPONENTS).last()
    assert event.data == {"added": [], "removed": ["Akeneo PIM"]}


def test_schedule_a_window_and_reschedule_raises_the_sequence_with_exactly_one_notice(cw):
    change = ready_change(cw, status=ChangeStatus.SCHEDULED)
    later = (START + dt.timedelta(days=7), END + dt.timedelta(days=7))
    moved = change_schedule(actor=cw.consultant, change_id=change.pk, start=later[0], end=later[1])
    assert (moved.planned_start, moved.planned_end, moved.sequence) == (*later, 1)
    assert list(ChangeNotice.objects.filter(change=change).values_list("kind", "sequence")) == [
        (NoticeKind.RESCHEDULED, 1)
    ]
    # ACME's admin (also the approver contact: one person) hears of it once.
    emails = list(OutboxEmail.objects.filter(kind="change_notice").values_list("to_address", "subject"))
    assert emails == [
        (cw.acme.admin.email, f"[{change.key}] Maintenance moved: Upgrade the PIM, now Tue 19 Jan 2027, 20:00")
    ]
    # The same window again (a retried request) sends nothing more.
    before = state()
    change_schedule(actor=cw.consultant, change_id=change.pk, start=later[0], end=later[1])
    assert state() == before
    change_schedule(actor=cw.consultant, change_id=change.pk, start=START, end=END)
    assert Change.objects.get(pk=change.pk).sequence == 2
    assert OutboxEmail.objects.filter(kind="change_notice").count() == 2


def test_planning_a_window_while_planning_sends_nothing(cw):
    change = create(cw)
    change_schedule(actor=cw.consultant, change_id=change.pk, start=START, end=END)
    change.refresh_from_db()
    assert (change.planned_start, change.planned_end, change.sequence) == (START, END, 0)
    assert ChangeNotice.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (START, START, "planned_end", "The window must end after it starts."),
        (START, START + dt.timedelta(days=15), "planned_end", "A window is at most 14 days long."),
        (START.replace(tzinfo=None), END, "planned_start", "Give the start as a date and a time."),
        ("tomorrow", END, "planned_start", "Give the start as a date and a time."),
    ],
)
def test_bad_windows_are_refused(cw, start, end, field, message):
    change = create(cw)
    before = state()
    with pytest.raises(ValidationError) as refused:
        change_schedule(actor=cw.consultant, change_id=change.pk, start=start, end=end)
    assert refused.value.field_errors[field] == [message]
    assert state() == before


def test_rescheduling_a_scheduled_normal_change_into_a_freeze_is_refused_with_the_reason(cw):
    change = ready_change(cw, status=ChangeStatus.SCHEDULED)
    Freeze.objects.create(name="Christmas trade", starts_on=dt.date(2027, 12, 15), ends_on=dt.date(2028, 1, 2))
    before = state()
    with pytest.raises(ValidationError) as refused:
        change_schedule(actor=cw.consultant, change_id=change.pk, start=dt.datetime(2027, 12, 21, 20, tzinfo=CPH),
                        end=dt.datetime(2027, 12, 21, 21, tzinfo=CPH))  # fmt: skip
    assert refused.value.message == "The window falls in the freeze “Christmas trade” (15 Dec – 02 Jan)."
    assert state() == before


def test_a_review_with_the_incidents_it_caused_of_the_same_organisation_only(cw):
    change = ready_change(cw, change_type=ChangeType.EMERGENCY, status=ChangeStatus.REVIEW)
    with pytest.raises(NotFound) as refused:
        change_review_record(actor=cw.consultant, change_id=change.pk, outcome=Outcome.FAILED,
                             incident_keys=[cw.desk.nord_ticket.key])  # fmt: skip
    assert refused.value.message == f"There is no ticket {cw.desk.nord_ticket.key} of this customer's."
    review = change_review_record(
        actor=cw.consultant, change_id=change.pk, outcome=Outcome.SUCCESSFUL_WITH_ISSUES, lessons="Warm the cache.",
        incident_keys=[cw.desk.ticket.key.lower()],
    )  # fmt: skip
    assert (review.outcome, review.lessons, list(review.incidents.all())) == (
        Outcome.SUCCESSFUL_WITH_ISSUES, "Warm the cache.", [cw.desk.ticket],
    )  # fmt: skip
    assert change.events.filter(kind=ChangeEventKind.REVIEW).count() == 1
    draft = create(cw)
    with pytest.raises(InvalidTransition):
        change_review_record(actor=cw.consultant, change_id=draft.pk, outcome=Outcome.SUCCESSFUL)


def test_maintenance_windows_of_the_customer_guard_scheduling(cw):
    MaintenanceWindow.objects.create(organisation=cw.acme.organisation, label="Tuesday evening", weekday=1,
                                     starts_at=dt.time(20), duration_minutes=180)  # fmt: skip
    inside = ready_change(cw, change_type=ChangeType.STANDARD)
    assert (
        change_transition(actor=cw.consultant, change_id=inside.pk, target=ChangeStatus.SCHEDULED).status == "scheduled"
    )
    outside = ready_change(cw, change_type=ChangeType.STANDARD, start=START + dt.timedelta(days=1),
                           end=END + dt.timedelta(days=1))  # fmt: skip
    before = state()
    with pytest.raises(ValidationError) as refused:
        change_transition(actor=cw.consultant, change_id=outside.pk, target=ChangeStatus.SCHEDULED)
    assert refused.value.message == (
        "The window is outside Acme Ltd's maintenance windows: Tuesday evening (Tuesday 20:00 + 3 h)."
    )
    assert state() == before
    assert len(mail.outbox) == 0


def test_each_recipient_reads_the_notice_in_their_language_and_a_contact_who_is_no_user_hears_too(cw):
    from picocore.cmdb.models import Contact

    User = type(cw.acme.admin)
    User.objects.filter(pk=cw.acme.admin.pk).update(language="da")
    Contact.objects.create(organisation=cw.acme.organisation, role="technical", name="Tom Tech",
                           email="tom@acme.example")  # fmt: skip
    Contact.objects.create(organisation=cw.nord.organisation, role="technical", name="Nora", email="nora@nord.example")
    change = ready_change(cw, change_type=ChangeType.STANDARD)
    change_transition(actor=cw.consultant, change_id=change.pk, target=ChangeStatus.SCHEDULED)
    sent = list(OutboxEmail.objects.filter(kind="change_notice").order_by("id").values_list(
        "to_address", "recipient_id", "subject"))  # fmt: skip
    danish = f"[{change.key}] Planlagt vedligehold: Upgrade the PIM, tir. 12. jan. 2027 kl. 20:00"
    assert sent == [
        (cw.acme.admin.email, cw.acme.admin.pk, danish),
        ("tom@acme.example", None, f"[{change.key}] Planned maintenance: Upgrade the PIM, Tue 12 Jan 2027, 20:00"),
    ]  # fmt: skip
