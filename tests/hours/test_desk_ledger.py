"""/desk/hours/…: the hour bank per contract and month on the desk. Staff serving the customer read it; service
managers adjust it with a reason and close months that have ended; a closed month is frozen."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.audit.models import AuditEntry
from picocore.hours.models import LedgerAdjustment, LedgerMonth, TimeEntry
from picocore.hours.services import time_log
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.conftest import prove_recently
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def month_url(contract, month: str = "2027-01") -> str:
    return f"/desk/hours/{contract.pk}/{month}/"


def adjust(**overrides) -> dict[str, str]:
    data = {"direction": "add", "amount_hours": "2", "amount_minutes": "0", "reason": "Goodwill for the outage",
            "entry": ""}  # fmt: skip
    data.update(overrides)
    return data


def state() -> tuple:
    return (
        list(LedgerAdjustment.objects.values_list("minutes", "reason")),
        list(LedgerMonth.objects.filter(closed_at__isnull=False).values_list("month", flat=True)),
        AuditEntry.objects.count(),
    )


def test_the_list_links_each_contract_to_its_current_month(client, acme, nord, consultant, contract):
    client.force_login(consultant)
    page = client.get("/desk/hours/").content.decode()
    assert month_url(contract) in page and "Nord Ltd" in page


def test_a_manager_adds_and_charges_with_reasons_and_the_figures_follow(client, acme, consultant, manager,
                                                                         contract):  # fmt: skip
    entry = time_log(actor=consultant, ticket=acme.ticket(), minutes=60)
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    assert client.post(month_url(contract) + "adjust/", adjust()).status_code == 302
    charged = client.post(month_url(contract) + "adjust/", adjust(direction="charge", amount_hours="0",
                          amount_minutes="30", reason="Call not logged", entry=str(entry.pk)), follow=True)  # fmt: skip
    body = charged.content.decode()
    assert "Adjustment recorded." in body
    assert "Goodwill for the outage" in body and "Call not logged" in body
    assert list(LedgerAdjustment.objects.order_by("id").values_list("minutes", "reason", "entry_id", "actor_id")) == [
        (120, "Goodwill for the outage", None, manager.pk), (-30, "Call not logged", entry.pk, manager.pk),
    ]  # fmt: skip
    figures = charged.context["page"].figures
    assert (figures.added, figures.used, figures.remaining) == (120, 90, 630)
    assert AuditEntry.objects.filter(content_type__model="ledgeradjustment").count() == 2


def test_consultants_read_but_may_not_adjust_or_close(client, acme, consultant, contract, clock):
    client.force_login(consultant)
    page = client.get(month_url(contract)).content.decode()
    assert "Adjust this month" not in page and "Close this month" not in page
    before = state()
    refused = client.post(month_url(contract) + "adjust/", adjust())
    assert refused.status_code == 403 and "Only service managers adjust the hour bank." in refused.content.decode()
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    client.force_login(consultant)
    closing = client.post(month_url(contract) + "close/")
    assert closing.status_code == 403 and closing.templates[0].name == "desk/hours_month.html"
    assert closing.context["error"] == "Only service managers close months of the hour bank."
    assert 'role="alert" id="action-error"' in closing.content.decode()
    assert state() == before


def test_a_manager_closes_an_ended_month_and_it_is_frozen(client, acme, consultant, manager, contract, clock):
    time_log(actor=consultant, ticket=acme.ticket(), minutes=60, work_date=dt.date(2027, 1, 11))
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    assert "Close this month" not in client.get(month_url(contract)).content.decode()  # it has not ended
    refused = client.post(month_url(contract) + "close/", follow=True).content.decode()
    assert "Only a month that has ended can be closed." in refused
    clock.set(dt.datetime(2027, 2, 5, 9, 0, tzinfo=CPH))
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    assert "Close this month" in client.get(month_url(contract)).content.decode()
    done = client.post(month_url(contract) + "close/", follow=True)
    body = done.content.decode()
    assert "Closed: 2027-01." in body and "Closed: these figures are frozen." in body
    assert "Closed by Sam Manager" in body and "Adjust this month" not in body
    assert done.context["page"].figures.used == 60
    # Frozen: no adjustment, no time, no second closing.
    before = state()
    refused = client.post(month_url(contract) + "adjust/", adjust())
    assert refused.status_code == 400 and "2027-01 is closed: adjust an open month." in refused.content.decode()
    again = client.post(month_url(contract) + "close/", follow=True).content.decode()
    assert "2027-01 was closed already." in again
    assert state() == before
    client.force_login(consultant)
    logged = {"duration_hours": "1", "duration_minutes": "0", "work_date": "2027-01-20", "billable": "on"}
    late = client.post(f"/desk/tickets/{TimeEntry.objects.get().ticket.key}/time/", logged)
    assert late.status_code == 400
    assert "2027-01 is closed: record the time as an adjustment in an open month." in late.content.decode()
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "said"),
    [({"amount_hours": "0", "amount_minutes": "0"}, "Enter at least 1 minute"),
     ({"amount_hours": "-2"}, "greater than or equal to 0"),
     ({"amount_hours": "1001"}, "less than or equal to 1000"),
     ({"reason": ""}, "This field is required"),
     ({"reason": "   "}, "This field is required"),
     ({"reason": "x" * 301}, "at most 300 characters"),
     ({"reason": "ok\x00"}, "Null characters are not allowed"),
     ({"direction": "steal"}, "Select a valid choice"),
     ({"entry": "abc"}, "Enter a whole number"),
     ({"entry": "0"}, "greater than or equal to 1"),
     ({"entry": "999999"}, "There is no such time entry on this contract.")],
)  # fmt: skip
def test_bad_adjustments_are_said_so_and_change_nothing(client, manager, contract, overrides, said):
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    before = state()
    response = client.post(month_url(contract) + "adjust/", adjust(**overrides))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert state() == before


def test_an_entry_of_another_contract_cannot_be_named(client, acme, nord, manager, contract, operations_team):
    other = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    operations_team.members.add(other)
    nord_entry = time_log(actor=other, ticket=nord.ticket(), minutes=30)
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    before = state()
    response = client.post(month_url(contract) + "adjust/", adjust(entry=str(nord_entry.pk)))
    assert response.status_code == 400 and "There is no such time entry on this contract." in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("month", ["2027-13", "2027-00", "27-01", "2027-1", "abcd-ef", "1999-12"])
def test_a_month_that_cannot_be_read_is_not_found(client, manager, contract, month):
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof
    assert client.get(month_url(contract, month)).status_code == 404
    assert client.post(month_url(contract, month) + "adjust/", adjust()).status_code == 404
    assert client.post(month_url(contract, month) + "close/").status_code == 404
    assert state() == ([], [], AuditEntry.objects.count())


def test_staff_who_do_not_serve_the_customer_and_customers_get_404(client, acme, nord, contract):
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[outsider])
    for person in (outsider, acme.admin, acme.requester, factories.StaffFactory(staff_role=StaffRole.DEVELOPER)):
        client.force_login(person)
        assert client.get(month_url(contract)).status_code == 404
        assert client.post(month_url(contract) + "adjust/", adjust()).status_code == 404
        assert client.post(month_url(contract) + "close/").status_code == 404
        assert "Acme Ltd" not in client.get("/desk/hours/").content.decode()
    assert state() == ([], [], AuditEntry.objects.count())


def test_the_month_page_runs_the_same_queries_however_much_is_in_it(client, acme, consultant, manager, contract):
    from picocore.hours.services import ledger_adjust

    ticket = acme.ticket()
    client.force_login(manager)
    prove_recently(client)  # adjusting and closing ask for a fresh proof

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(month_url(contract)).status_code == 200
        return len(captured)

    time_log(actor=consultant, ticket=ticket, minutes=30)
    ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 1, 1), minutes=15, reason="One")
    small = count()
    for number in range(20):
        time_log(actor=consultant, ticket=acme.ticket(title=f"More {number}"), minutes=30)
        ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 1, 1), minutes=15, reason=f"r{number}")
    # session, user, contract, the bank's run (last closed month, debits, adjustments; the terms are kept with the
    # reference data), the closed rows, the daily debits, the lines per ticket, the adjustments with their people
    # and entries, the notifications
    assert count() == small == MONTH_PAGE_QUERIES


MONTH_PAGE_QUERIES = 11


def test_adjusting_and_closing_ask_a_manager_for_a_fresh_proof_and_come_back_to_the_month(
    client, acme, manager, contract, clock
):
    client.force_login(manager)
    month = client.get(month_url(contract))
    step_up = "/accounts/confirm/?next=" + month_url(contract).replace("/", "%2F")
    assert month.context["step_up"] == step_up and "confirm it is you first" in month.content.decode()
    before = state()
    for action in ("adjust/", "close/"):
        refused = client.post(month_url(contract) + action, adjust(), HTTP_REFERER="http://evil.example/")
        assert (refused.status_code, refused["Location"]) == (302, step_up), action
    assert state() == before
    confirmed = client.post("/accounts/confirm/", {"password": factories.PASSWORD, "next": month_url(contract)})
    assert confirmed["Location"] == month_url(contract)
    assert client.get(confirmed["Location"]).context["step_up"] == ""
    assert client.post(month_url(contract) + "adjust/", adjust()).status_code == 302
    assert LedgerAdjustment.objects.get().reason == "Goodwill for the outage"
    clock.set(dt.datetime(2027, 1, 11, 9, 11, tzinfo=CPH))  # eleven minutes on: the proof has lapsed
    assert client.post(month_url(contract) + "adjust/", adjust())["Location"] == step_up
    assert LedgerAdjustment.objects.count() == 1


def test_the_proof_is_asked_only_of_who_may_manage_the_bank(client, acme, consultant, contract):
    client.force_login(consultant)  # serves ACME, may not adjust: refused as before, not sent to confirm
    assert client.post(month_url(contract) + "adjust/", adjust()).status_code == 403
    assert client.get(month_url(contract)).context["step_up"] == ""
    client.force_login(acme.admin)  # a customer: the desk's 404, whatever their proof
    assert client.post(month_url(contract) + "adjust/", adjust()).status_code == 404
    assert not LedgerAdjustment.objects.exists()
