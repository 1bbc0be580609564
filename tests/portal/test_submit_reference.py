"""The configuration a submission reads is kept per process (`picocore.core.reference`), and a change to it is seen
by the very next submission: saved here, committed by another process (its token row), or never (rolled back).

Each test files one request to fill what the process keeps, changes one piece of the configuration, and files the
next: the request type and its form, the contract in force, the SLA targets, the priority matrix, the owning team,
the organisation's landscape, and the person's memberships."""

import datetime as dt

import pytest
from django.db import transaction

from picocore.catalog.choices import FieldKind, Impact, Urgency
from picocore.catalog.models import PriorityRule
from picocore.contracts.models import ClockKind, Contract, SlaMetric, SlaTarget
from picocore.core import reference
from picocore.core.models import ReferenceToken
from picocore.tenancy.choices import MembershipRole, TeamKind
from picocore.tenancy.models import Membership
from picocore.tickets.models import Submission, Ticket
from tests import factories
from tests.portal.support import field_errors, incident_form, page, state

pytestmark = pytest.mark.django_db

NOT_OFFERED = "Your subscription does not offer this kind of request."
REQUIRED = "This field is required."


class Undone(Exception):
    """Raised to roll a change back."""


def submit(client, acme, token: str, **overrides):
    return client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, submission=token, **overrides))


def filed(client, acme, token: str, **overrides) -> Ticket:
    response = submit(client, acme, token, **overrides)
    assert response.status_code == 302, page(response)
    return Submission.objects.select_related("ticket__team").get(token=token).ticket


def another_process_committed() -> None:
    """What this process sees after another one committed a change of reference data: a new token."""
    assert ReferenceToken.objects.update(token=ReferenceToken.objects.get().token + 1) == 1


@pytest.fixture
def promised(acme):
    """ACME's contract promises a first response to a P2 within 10 hours, around the clock."""
    contract = acme.organisation.contracts.get()
    SlaTarget.objects.create(
        contract=contract, priority=2, minutes=600, metric=SlaMetric.FIRST_RESPONSE, clock=ClockKind.CALENDAR
    )
    return acme


@pytest.fixture
def signed_in(client, promised):
    client.force_login(promised.requester)
    filed(client, promised, "warm")  # what the process keeps is loaded now
    return client


def due_hours(ticket: Ticket) -> float:
    assert ticket.sla_due_at is not None
    return (ticket.sla_due_at - ticket.created_at) / dt.timedelta(hours=1)


def test_a_changed_sla_target_sets_the_next_requests_deadline(signed_in, promised):
    assert due_hours(Ticket.objects.get()) == 10
    target = SlaTarget.objects.get()
    target.minutes = 120
    target.save()
    assert due_hours(filed(signed_in, promised, "after")) == 2


def test_a_changed_priority_rule_sets_the_next_requests_priority(signed_in, promised):
    assert Ticket.objects.get().priority == 2  # high impact × medium urgency
    PriorityRule.objects.filter(impact=Impact.HIGH, urgency=Urgency.MEDIUM).get().delete()  # the default stands in
    rule = PriorityRule.objects.create(impact=Impact.HIGH, urgency=Urgency.MEDIUM, priority=4)
    ticket = filed(signed_in, promised, "after")
    assert (ticket.priority, ticket.priority_reason) == (4, "High impact × Medium urgency → P4")
    rule.priority = 3
    rule.save()
    assert filed(signed_in, promised, "again").priority == 3


def test_a_new_owning_team_takes_the_next_request(signed_in, promised, operations_team):
    assert Ticket.objects.get().team == operations_team
    earlier = factories.TeamFactory(name="Alpha operations", kind=TeamKind.OPERATIONS)
    earlier.organisations.add(promised.organisation)  # first by name, through the many-to-many only
    assert filed(signed_in, promised, "after").team == earlier


def test_a_changed_request_type_and_form_are_seen_by_the_next_submission(signed_in, promised):
    factories.FormFieldFactory(
        request_type=promised.incident, key="ticket_url", label="Link", kind=FieldKind.URL, required=True
    )
    before = state()
    response = submit(signed_in, promised, "without-link")
    assert response.status_code == 400
    assert field_errors(response, "q_ticket_url") == [REQUIRED]
    assert state() == before
    filed(signed_in, promised, "with-link", q_ticket_url="https://example.com/1")

    promised.incident.active = False
    promised.incident.save()
    response = submit(signed_in, promised, "inactive")
    assert (response.status_code, NOT_OFFERED in page(response)) == (404, True)
    assert state()["tickets"] == before["tickets"] + 1


def test_a_type_taken_out_of_the_tier_is_not_offered_to_the_next_submission(signed_in, promised):
    promised.organisation.contracts.get().tier.request_types.remove(promised.incident)
    before = state()
    response = submit(signed_in, promised, "after")
    assert (response.status_code, NOT_OFFERED in page(response)) == (404, True)
    assert state() == before


def test_an_ended_contract_offers_nothing_to_the_next_submission(signed_in, promised):
    contract = Contract.objects.get(organisation=promised.organisation)
    contract.starts_on = dt.date(2020, 1, 1)
    contract.ends_on = dt.date(2020, 12, 31)
    contract.save()
    before = state()
    response = submit(signed_in, promised, "after")
    assert (response.status_code, NOT_OFFERED in page(response)) == (404, True)
    assert state() == before


def test_a_new_environment_can_be_chosen_at_once_and_a_removed_one_not(signed_in, promised):
    test = factories.EnvironmentFactory(solution=promised.solution, kind="test")
    assert filed(signed_in, promised, "new", q_environment=test.pk).environment == test
    removed = test.pk
    test.delete()
    before = state()
    response = submit(signed_in, promised, "removed", q_environment=removed)
    assert response.status_code == 400
    assert field_errors(response, "q_environment") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert state() == before


def test_a_person_who_left_the_organisation_cannot_file_for_it_any_more(signed_in, promised):
    Membership.objects.get(user=promised.requester, organisation=promised.organisation).delete()
    before = state()
    response = submit(signed_in, promised, "after")
    assert response.status_code == 403  # the portal's "you work for no organisation"
    assert state() == before


def test_a_role_change_is_seen_by_the_next_request(client, promised):
    client.force_login(promised.requester)
    assert client.get("/portal/").context["sees_all"] is False
    membership = Membership.objects.get(user=promised.requester, organisation=promised.organisation)
    membership.role = MembershipRole.CUSTOMER_ADMIN
    membership.save()
    assert client.get("/portal/").context["sees_all"] is True


def test_a_change_committed_by_another_process_is_seen_once_its_token_is(signed_in, promised):
    # Another process's change reaches this one through the database only: the row, then the token.
    SlaTarget.objects.update(minutes=180)  # no signal here, as for a row another process wrote
    assert due_hours(filed(signed_in, promised, "kept")) == 10  # the process still works with what it read
    another_process_committed()
    assert due_hours(filed(signed_in, promised, "seen")) == 3

    PriorityRule.objects.filter(impact=Impact.HIGH, urgency=Urgency.MEDIUM).update(priority=1)
    another_process_committed()
    assert filed(signed_in, promised, "priority").priority == 1


def test_a_rolled_back_change_is_never_seen(signed_in, promised):
    rule = PriorityRule.objects.get(impact=Impact.HIGH, urgency=Urgency.MEDIUM)
    target = SlaTarget.objects.get()
    with pytest.raises(Undone), transaction.atomic():
        rule.priority = 1
        rule.save()
        target.minutes = 60
        target.save()
        # A submission inside the change reads it, and the process keeps what it read...
        ticket = filed(signed_in, promised, "inside")
        assert (ticket.priority, ticket.priority_reason) == (1, "High impact × Medium urgency → P1")
        with reference.scope():
            from picocore.catalog.priority import configured_matrix

            assert configured_matrix()[(Impact.HIGH, Urgency.MEDIUM)] == 1
        raise Undone
    # ...yet the next submission works with what is committed.
    ticket = filed(signed_in, promised, "after")
    assert (ticket.priority, due_hours(ticket)) == (2, 10)
    assert not Submission.objects.filter(token="inside").exists()
