"""/portal/hours/: the customer's bank, seen only by those who may, the same figures as the ledger."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.hours import services
from picocore.hours.models import HourTerms
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db
URL = "/portal/hours/"


def test_the_customer_admin_sees_used_included_carried_remaining_and_the_lines(client, acme, consultant, contract,
                                                                               clock):  # fmt: skip
    clock.set(dt.datetime(2027, 2, 10, 12, 0, tzinfo=CPH))
    services.time_log(actor=consultant, ticket=acme.ticket(title="Import stuck"), minutes=360,
                      work_date=dt.date(2027, 1, 12))  # fmt: skip
    ticket = acme.ticket(title="Slow search")
    services.time_log(actor=consultant, ticket=ticket, minutes=60, started_at=dt.datetime(2027, 2, 6, 10, tzinfo=CPH))
    client.force_login(acme.admin)
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    figures = page.context["page"].figures
    assert (figures.included, figures.carried_in, figures.used, figures.remaining) == (600, 240, 90, 750)
    assert "12.5 h" in body and "4 h" in body and "1.5 h" in body  # remaining, carried over, used
    assert "Slow search" in body and ticket.key in body
    assert page.context["page"].forecast == 252  # 90 min in 10 days of 28
    assert "<svg" in body and 'role="img"' in body
    january = client.get(URL, {"month": "2027-01"})
    assert january.context["page"].figures.used == 360
    assert "Import stuck" in january.content.decode()


def test_requesters_see_the_hours_only_where_the_terms_allow_and_only_their_own_lines(client, acme, consultant,
                                                                                      contract, clock):  # fmt: skip
    admins_ticket = acme.ticket(by=acme.admin, title="Admin's own")
    services.time_log(actor=consultant, ticket=admins_ticket, minutes=30, work_date=dt.date(2027, 1, 11))
    services.time_log(actor=consultant, ticket=acme.ticket(title="Mine"), minutes=15, work_date=dt.date(2027, 1, 11))
    client.force_login(acme.requester)
    refused = client.get(URL)
    assert refused.status_code == 200 and "page" not in refused.context
    assert "customer admins see its hours" in refused.content.decode()
    assert "Mine" not in refused.content.decode()
    terms = HourTerms.objects.get(contract=contract)
    terms.requesters_see_hours = True
    terms.save()  # hour terms are reference data: a save moves the token
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mine" in body and "Admin&#x27;s own" not in body and "Admin's own" not in body
    assert page.context["page"].figures.used == 45  # the figures are the organisation's
    assert page.context["page"].hidden_minutes == 30


def test_another_organisations_people_never_see_these_hours(client, acme, nord, consultant, contract, clock):
    services.time_log(actor=consultant, ticket=acme.ticket(title="Acme secret"), minutes=30,
                      work_date=dt.date(2027, 1, 11))  # fmt: skip
    for person, sees_hours in ((nord.admin, True), (nord.requester, False)):
        client.force_login(person)
        page = client.get(URL)
        assert page.status_code == 200  # Nord's own (empty) hours or who may see them, never Acme's
        assert "Acme secret" not in page.content.decode()
        assert "0.5 h" not in page.content.decode()
        assert ("page" in page.context) is sees_hours
        if sees_hours:
            assert page.context["page"].contract.organisation == nord.organisation
            assert page.context["page"].figures.used == 0


@pytest.mark.parametrize("month", ["2027-13", "January", "2027-1-1\x00", "9999-01"])
def test_a_month_that_cannot_be_read_is_said_so_and_this_month_shown(client, acme, contract, month):
    client.force_login(acme.admin)
    page = client.get(URL, {"month": month})
    assert page.status_code == 400
    assert page.context["page"].month == dt.date(2027, 1, 1)
    assert 'role="alert"' in page.content.decode()


def test_the_page_runs_the_same_number_of_queries_however_much_time_is_logged(client, acme, consultant, contract,
                                                                              clock):  # fmt: skip
    clock.set(dt.datetime(2027, 3, 20, 12, 0, tzinfo=CPH))
    client.force_login(acme.admin)

    def queries() -> int:
        client.get(URL)  # the first page after a change also reads the reference data the process keeps
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    services.time_log(actor=consultant, ticket=acme.ticket(), minutes=30, work_date=dt.date(2027, 3, 2))
    few = queries()
    for day in (1, 10, 15):
        for month in (1, 2, 3):
            services.time_log(actor=consultant, ticket=acme.ticket(), minutes=45, work_date=dt.date(2027, month, day))
    assert queries() == few
