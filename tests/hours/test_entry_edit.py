"""The author changes or deletes their own entry on the desk inside the contract's edit window while its month is
open; after that only a service manager's adjustment with a reason corrects it. Every change is audited."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.audit.models import AuditEntry
from picocore.hours.models import LedgerAdjustment, TimeEntry
from picocore.hours.services import ledger_adjust, ledger_close, time_log
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def edit_url(entry) -> str:
    return f"/desk/tickets/{entry.ticket.key}/time/{entry.pk}/"


def delete_url(entry) -> str:
    return f"/desk/tickets/{entry.ticket.key}/time/{entry.pk}/delete/"


def form(**overrides) -> dict[str, str]:
    data = {"duration_hours": "1", "duration_minutes": "0", "work_date": "2027-01-11", "started_at": "",
            "billable": "on", "non_billable_reason": "", "description": "Re-indexed, checked twice"}  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def entry(acme, consultant, contract, clock) -> TimeEntry:
    return time_log(actor=consultant, ticket=acme.ticket(), minutes=90, description="Re-indexed")


def audits(entry) -> list[tuple[str, dict]]:
    return [(a.action, a.changes) for a in AuditEntry.objects.filter(object_id=str(entry.pk)).order_by("id")
            if a.content_type.model == "timeentry"]  # fmt: skip


def test_the_author_changes_their_entry_and_the_change_is_audited(client, entry, consultant):
    client.force_login(consultant)
    page = client.get(f"/desk/tickets/{entry.ticket.key}/time/").content.decode()
    assert edit_url(entry) in page and delete_url(entry) in page
    shown = client.get(edit_url(entry))
    assert shown.status_code == 200 and 'value="Re-indexed"' in shown.content.decode()
    done = client.post(edit_url(entry), form(), follow=True)
    assert "Time entry changed." in done.content.decode()
    entry.refresh_from_db()
    assert (entry.minutes, entry.debited_minutes, entry.description) == (60, 60, "Re-indexed, checked twice")
    (created, _c), (changed, changes) = audits(entry)
    assert (created, changed) == ("created", "changed")
    assert changes["minutes"] == {"before": 90, "after": 60}
    assert changes["description"] == {"before": "Re-indexed", "after": "Re-indexed, checked twice"}


@pytest.mark.parametrize(
    ("after", "allowed"),
    [(dt.timedelta(hours=47, minutes=59), True), (dt.timedelta(hours=48), True),
     (dt.timedelta(hours=48, seconds=1), False), (dt.timedelta(days=5), False)],
)  # fmt: skip
def test_the_edit_window_edges(client, entry, consultant, clock, after, allowed):
    clock.advance(seconds=after.total_seconds())
    client.force_login(consultant)
    response = client.post(edit_url(entry), form(work_date="2027-01-11"))
    entry.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and entry.minutes == 60
    else:
        assert response.status_code == 403
        assert "can no longer be changed: ask a service manager for an adjustment" in response.content.decode()
        assert entry.minutes == 90 and len(audits(entry)) == 1
        shown = client.get(edit_url(entry))
        assert shown.status_code == 403 and "Its edit window has passed" in shown.content.decode()
        refused = client.post(delete_url(entry))  # the entry's page says why, as for changing it
        assert refused.status_code == 403 and refused.templates[0].name == "desk/ticket_time_entry.html"
        assert "can no longer be changed" in refused.context["error"]
        assert 'role="alert" id="action-error"' in refused.content.decode()
        assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_the_author_deletes_their_entry_inside_the_window_and_it_is_audited(client, entry, consultant, contract):
    client.force_login(consultant)
    done = client.post(delete_url(entry), follow=True).content.decode()
    assert "Time entry deleted." in done
    assert not TimeEntry.objects.exists()
    (_created, _c), (deleted, changes) = audits(entry)
    assert deleted == "deleted" and changes["minutes"] == {"before": 90, "after": None}
    assert "10 h of 10 h left" in done


def test_a_colleague_may_not_change_the_authors_entry(client, entry, consultant):
    colleague = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    consultant.teams.first().members.add(colleague)
    client.force_login(colleague)
    assert "Only its author changes an entry" in client.get(edit_url(entry)).content.decode()
    assert client.post(edit_url(entry), form()).status_code == 403
    assert client.post(delete_url(entry)).status_code == 403
    entry.refresh_from_db()
    assert entry.minutes == 90 and len(audits(entry)) == 1


def test_a_closed_month_freezes_the_entry_and_a_manager_adjusts_it_instead(client, entry, consultant, manager,
                                                                            contract, clock):  # fmt: skip
    clock.set(dt.datetime(2027, 2, 1, 9, 0, tzinfo=CPH))  # inside the window, but January closes
    ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1))
    client.force_login(consultant)
    response = client.post(edit_url(entry), form())
    assert response.status_code == 403 and "2027-01 is closed" in response.content.decode()
    refused = client.post(delete_url(entry))
    assert refused.status_code == 403 and "2027-01 is closed" in refused.context["error"]
    entry.refresh_from_db()
    assert entry.minutes == 90
    client.force_login(manager)
    page = client.get(f"/desk/tickets/{entry.ticket.key}/time/").content.decode()
    assert f"/desk/hours/{contract.pk}/2027-01/?entry={entry.pk}#adjust" in page
    ledger_adjust(actor=manager, contract=contract, month=dt.date(2027, 2, 1), minutes=30, reason="Over-logged",
                  entry=entry)  # fmt: skip
    assert LedgerAdjustment.objects.get().entry == entry


@pytest.mark.parametrize(
    "overrides",
    [{"duration_hours": "-1"}, {"duration_hours": "0", "duration_minutes": "0"}, {"duration_hours": "25"},
     {"work_date": "2027-01-12"}, {"work_date": "2027-13-01"}, {"description": "x" * 201},
     {"description": "ok\x00"}, {"billable": "", "non_billable_reason": ""}],
)  # fmt: skip
def test_bad_changes_are_said_so_and_change_nothing(client, entry, consultant, overrides):
    client.force_login(consultant)
    assert client.post(edit_url(entry), form(**overrides)).status_code == 400
    entry.refresh_from_db()
    assert (entry.minutes, entry.description) == (90, "Re-indexed") and len(audits(entry)) == 1


def test_moving_an_entry_into_a_closed_month_is_refused(client, acme, consultant, manager, contract, clock):
    clock.set(dt.datetime(2027, 2, 2, 9, 0, tzinfo=CPH))
    ledger_close(actor=manager, contract=contract, through=dt.date(2027, 1, 1))
    entry = time_log(actor=consultant, ticket=acme.ticket(), minutes=30)
    client.force_login(consultant)
    response = client.post(edit_url(entry), form(work_date="2027-01-29"))
    assert response.status_code == 400 and "2027-01 is closed" in response.content.decode()
    entry.refresh_from_db()
    assert entry.work_date == dt.date(2027, 2, 2)


def test_an_entry_of_another_ticket_is_not_found_here(client, acme, entry, consultant):
    other = acme.ticket(title="Other")
    client.force_login(consultant)
    assert client.get(f"/desk/tickets/{other.key}/time/{entry.pk}/").status_code == 404
    assert client.post(f"/desk/tickets/{other.key}/time/{entry.pk}/delete/").status_code == 404
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_people_who_do_not_work_the_ticket_get_404(client, entry, acme, nord):
    for person in (factories.StaffFactory(staff_role=StaffRole.CONSULTANT), acme.admin, acme.requester, nord.admin):
        client.force_login(person)
        assert client.get(edit_url(entry)).status_code == 404
        assert client.post(edit_url(entry), form()).status_code == 404
        assert client.post(delete_url(entry)).status_code == 404
    entry.refresh_from_db()
    assert entry.minutes == 90 and len(audits(entry)) == 1


def test_the_edit_page_runs_a_fixed_number_of_queries(client, entry, consultant):
    client.force_login(consultant)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(edit_url(entry)).status_code == 200
    # session, user, ticket, the entry with author and contract, its terms, its closed months, the notifications
    assert len(captured) == 7
