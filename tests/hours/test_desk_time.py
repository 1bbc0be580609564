"""/desk/tickets/<key>/time/: the consultant logs time beside the balance, and sees it drop."""

import pytest

from picocore.hours.models import TimeEntry
from picocore.tenancy.choices import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


def url(ticket) -> str:
    return f"/desk/tickets/{ticket.key}/time/"


def form(**overrides) -> dict[str, str]:
    data = {"duration_hours": "1", "duration_minutes": "30", "work_date": "2027-01-11", "started_at": "",
            "billable": "on", "non_billable_reason": "", "description": "Re-indexed the catalogue"}  # fmt: skip
    data.update(overrides)
    return data


def test_the_consultant_logs_time_and_sees_the_balance_drop(client, acme, consultant, contract):
    ticket = acme.ticket()
    client.force_login(consultant)
    page = client.get(url(ticket))
    assert page.status_code == 200
    assert "10 h of 10 h left" in page.content.decode()
    done = client.post(url(ticket), form(), follow=True)
    assert done.status_code == 200
    body = done.content.decode()
    assert "8.5 h of 10 h left" in body
    assert "Re-indexed the catalogue" in body
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.debited_minutes, entry.author) == (90, 90, consultant)


def test_a_start_outside_business_hours_is_charged_at_its_rate(client, acme, consultant, contract):
    client.force_login(consultant)
    client.post(
        url(acme.ticket()), form(duration_hours="1", duration_minutes="0", work_date="2027-01-09", started_at="10:00")
    )
    assert TimeEntry.objects.get().debited_minutes == 90  # a Saturday at × 1.5


@pytest.mark.parametrize(
    "overrides",
    [{"duration_hours": "", "duration_minutes": ""}, {"duration_hours": "25"}, {"work_date": "2027-02-30"},
     {"work_date": "2027-01-12"}, {"billable": "", "non_billable_reason": ""}, {"description": "x" * 201},
     {"non_billable_reason": "invented"}, {"description": "ok\x00"}],
)  # fmt: skip
def test_bad_input_is_said_so_and_nothing_is_logged(client, acme, consultant, contract, overrides):
    client.force_login(consultant)
    response = client.post(url(acme.ticket()), form(**overrides))
    assert response.status_code == 400
    assert not TimeEntry.objects.exists()


def test_people_who_do_not_work_the_ticket_get_404(client, acme, nord, contract):
    ticket = acme.ticket()
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    for person in (
        outsider,
        acme.admin,
        acme.requester,
        nord.admin,
        factories.StaffFactory(staff_role=StaffRole.DEVELOPER),
    ):
        client.force_login(person)
        assert client.get(url(ticket)).status_code == 404
        assert client.post(url(ticket), form()).status_code == 404
    assert not TimeEntry.objects.exists()


def test_the_ticket_page_links_to_the_time(client, acme, consultant, contract):
    ticket = acme.ticket()
    client.force_login(consultant)
    assert url(ticket) in client.get(f"/desk/tickets/{ticket.key}/").content.decode()
