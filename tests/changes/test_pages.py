"""The desk's change pages: what each person gets (another organisation's consultant, a customer, a developer:
404 as for a missing change), the forms' round trips, bad input, and constant query counts."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.models import Change, ChangeComponent, ChangeEvent
from tests.changes.support import CPH, ready_change


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, change: Change, suffix: str = "") -> str:
    return reverse("desk:change", args=[change.pk]) + suffix


def rows() -> tuple:
    return (
        list(Change.objects.order_by("pk").values_list("pk", "status", "title", "planned_start", "sequence")),
        list(ChangeComponent.objects.order_by("pk").values_list("change_id", "component_id")),
        ChangeEvent.objects.count(),
    )


def test_the_list_shows_each_person_only_what_they_serve(cw):
    acme_change = ready_change(cw, title="Upgrade the PIM")
    consultant = client_for(cw.consultant).get(reverse("desk:changes"))
    assert consultant.status_code == 200
    assert acme_change.key in consultant.content.decode()
    outsider = client_for(cw.outsider).get(reverse("desk:changes"))
    assert outsider.status_code == 200
    assert acme_change.key not in outsider.content.decode()
    assert "Upgrade the PIM" not in outsider.content.decode()
    for person in (cw.acme.admin, cw.acme.requester, cw.desk.acme_developer):
        assert client_for(person).get(reverse("desk:changes")).status_code == 404
    assert Client().get(reverse("desk:changes")).status_code == 302
    bad = client_for(cw.consultant).get(reverse("desk:changes"), {"organisation": "x", "status": "gone"})
    assert bad.status_code == 400
    assert "Choose a customer from the list." in bad.content.decode()


def test_every_change_url_is_404_for_another_organisations_consultant_and_for_missing_ones(cw):
    change = ready_change(cw)
    before = rows()
    outsider = client_for(cw.outsider)
    assert outsider.get(page(cw.outsider, change)).status_code == 404
    posts = {
        "": {"title": "Mine", "reason": "x", "downtime_minutes": "0"},
        "components/": {"confirm": str(cw.cms.pk)},
        "schedule/": {"start": "2027-01-12T20:00", "end": "2027-01-12T21:00"},
        "status/": {"target": "assessment"},
        "review/": {"outcome": "successful"},
    }
    for suffix, data in posts.items():
        assert outsider.post(page(cw.outsider, change, suffix), data).status_code == 404, suffix
        assert client_for(cw.consultant).post(f"/desk/changes/999999/{suffix}", data).status_code == 404, suffix
        assert client_for(cw.acme.admin).post(page(cw.acme.admin, change, suffix), data).status_code == 404, suffix
    ticket_url = reverse("desk:change_from_ticket", args=[cw.desk.change.key])
    assert outsider.post(ticket_url).status_code == 404
    assert client_for(cw.desk.acme_developer).post(ticket_url).status_code == 404
    assert rows() == before


def test_make_a_change_plan_it_confirm_a_suggestion_and_move_it(cw):
    consultant = client_for(cw.consultant)
    form = consultant.get(reverse("desk:change_new"), {"organisation": cw.acme.organisation.pk})
    assert form.status_code == 200
    assert "Restart the search index" in form.content.decode()
    made = consultant.post(reverse("desk:change_new"), {
        "change_type": "normal", "organisation": cw.acme.organisation.pk, "title": "Upgrade Akeneo",
        "reason": "Support ends.",
    })  # fmt: skip
    change = Change.objects.get(title="Upgrade Akeneo")
    assert made.status_code == 302 and made["Location"] == page(cw.consultant, change)
    assert consultant.post(page(cw.consultant, change, "components/"), {"confirm": cw.pim.pk}).status_code == 302
    detail = consultant.get(page(cw.consultant, change)).content.decode()
    assert "Confirm Umbraco CMS" in detail and "Akeneo PIM → Umbraco CMS" in detail
    # A suggestion is not attached until confirmed.
    assert list(change.affected.values_list("component_id", flat=True)) == [cw.pim.pk]
    assert consultant.post(page(cw.consultant, change, "components/"), {"confirm": cw.cms.pk}).status_code == 302
    assert set(change.affected.values_list("component_id", flat=True)) == {cw.pim.pk, cw.cms.pk}
    saved = consultant.post(page(cw.consultant, change), {
        "title": "Upgrade Akeneo", "reason": "Support ends.", "implementation_plan": "Upgrade.", "test_plan": "Test.",
        "backout_plan": "Restore.", "downtime_minutes": "15", "implementer": cw.consultant.pk,
        "risk_tested_in_staging": "yes", "risk_backout_tested": "no",
    })  # fmt: skip
    assert saved.status_code == 302
    change.refresh_from_db()
    assert (change.downtime_minutes, change.risk_answers) == (15, {"tested_in_staging": True, "backout_tested": False})
    # The window is typed in the customer's local time (Copenhagen), whatever the server's.
    scheduled = consultant.post(page(cw.consultant, change, "schedule/"), {"start": "2027-01-12T20:00",
                                                                         "end": "2027-01-12T22:30"})  # fmt: skip
    assert scheduled.status_code == 302
    change.refresh_from_db()
    assert (change.planned_start, change.planned_end) == (
        dt.datetime(2027, 1, 12, 20, tzinfo=CPH), dt.datetime(2027, 1, 12, 22, 30, tzinfo=CPH),
    )  # fmt: skip
    assert consultant.post(page(cw.consultant, change, "status/"), {"target": "assessment"}).status_code == 302
    refused = consultant.post(page(cw.consultant, change, "status/"), {"target": "closed"})
    assert refused.status_code == 409
    assert (
        "cannot move from Assessment to Closed. Allowed: Awaiting approval, Draft, Cancelled."
        in refused.content.decode()
    )
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.ASSESSMENT


def test_bad_input_on_the_forms_is_named_and_changes_nothing(cw):
    change = ready_change(cw)
    consultant = client_for(cw.consultant)
    before = rows()
    foreign = consultant.post(page(cw.consultant, change, "components/"), {"confirm": cw.nord_cms.pk})
    assert foreign.status_code == 404
    assert "There is no such component in this customer&#x27;s landscape." in foreign.content.decode()
    missing = consultant.post(page(cw.consultant, change, "components/"), {"confirm": "999999"})
    assert missing.status_code == 404
    assert consultant.post(page(cw.consultant, change, "components/"), {"confirm": "x"}).status_code == 400
    nul = consultant.post(page(cw.consultant, change), {"title": "Up\x00grade", "reason": "x", "downtime_minutes": "0"})
    assert nul.status_code == 400
    long = consultant.post(page(cw.consultant, change), {"title": "x" * 201, "reason": "x", "downtime_minutes": "0"})
    assert long.status_code == 400
    assert "Ensure this value has at most 200 characters" in long.content.decode()
    window = consultant.post(page(cw.consultant, change, "schedule/"), {"start": "2027-01-12T20:00",
                                                                      "end": "2027-01-12T19:00"})  # fmt: skip
    assert window.status_code == 400
    assert "The window must end after it starts." in window.content.decode()
    assert consultant.post(page(cw.consultant, change, "status/"), {"target": "x" * 40}).status_code == 400
    assert rows() == before


def test_a_change_request_ticket_becomes_a_change_record_from_the_desk(cw):
    consultant = client_for(cw.consultant)
    response = consultant.post(reverse("desk:change_from_ticket", args=[cw.desk.change.key]))
    change = Change.objects.get(ticket=cw.desk.change)
    assert response.status_code == 302 and response["Location"] == page(cw.consultant, change)
    assert (
        consultant.post(reverse("desk:change_from_ticket", args=[cw.desk.change.key]))["Location"]
        == response["Location"]
    )
    incident = consultant.post(reverse("desk:change_from_ticket", args=[cw.desk.ticket.key]))
    assert incident.status_code == 302 and incident["Location"] == reverse("desk:ticket", args=[cw.desk.ticket.key])
    assert Change.objects.count() == 1


def test_an_emergency_change_closes_only_after_its_review_from_the_page(cw):
    change = ready_change(cw, change_type=ChangeType.EMERGENCY, status=ChangeStatus.REVIEW)
    consultant = client_for(cw.consultant)
    refused = consultant.post(page(cw.consultant, change, "status/"), {"target": "closed"})
    assert refused.status_code == 400
    assert "needs its post-implementation review before it closes." in refused.content.decode()
    reviewed = consultant.post(page(cw.consultant, change, "review/"), {
        "outcome": "successful", "lessons": "Fine.", "incidents": cw.desk.nord_ticket.key,
    })  # fmt: skip
    assert reviewed.status_code == 400
    assert f"There is no ticket {cw.desk.nord_ticket.key} of this customer" in reviewed.content.decode()
    assert consultant.post(page(cw.consultant, change, "review/"), {"outcome": "successful"}).status_code == 302
    assert consultant.post(page(cw.consultant, change, "status/"), {"target": "closed"}).status_code == 302
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.CLOSED


@pytest.mark.parametrize("more", [0, 6])
def test_the_pages_run_a_constant_number_of_queries(cw, django_assert_num_queries, more):
    change = ready_change(cw, components=(cw.pim,), implementer=cw.consultant)
    ready_change(cw, status=ChangeStatus.SCHEDULED, components=(cw.pim,))
    for _ in range(more):
        other = ready_change(cw, status=ChangeStatus.SCHEDULED, components=(cw.pim, cw.cms), implementer=cw.consultant)
        ChangeEvent.objects.create(change=change, kind="edited", actor=cw.consultant)
        ChangeEvent.objects.create(change=other, kind="edited", actor=cw.consultant)
    consultant = client_for(cw.consultant)
    consultant.get(reverse("desk:changes"))
    with django_assert_num_queries(5):
        assert consultant.get(reverse("desk:changes")).status_code == 200
    with django_assert_num_queries(22):  # the approval panel among them
        assert consultant.get(page(cw.consultant, change)).status_code == 200


def test_the_change_request_ticket_offers_a_change_record_and_an_incident_does_not(cw):
    consultant = client_for(cw.consultant)
    action = reverse("desk:change_from_ticket", args=[cw.desk.change.key])
    assert action in consultant.get(reverse("desk:ticket", args=[cw.desk.change.key])).content.decode()
    incident = consultant.get(reverse("desk:ticket", args=[cw.desk.ticket.key])).content.decode()
    assert "Make a change record" not in incident


def test_the_new_change_form_offers_the_customers_served_and_their_standard_changes(cw, django_assert_num_queries):
    for _ in range(3):
        ready_change(cw)
    consultant = client_for(cw.outsider)
    consultant.get(reverse("desk:change_new"))
    with django_assert_num_queries(7):
        response = consultant.get(reverse("desk:change_new"), {"organisation": cw.nord.organisation.pk})
    assert response.status_code == 200
    assert [label for _value, label in response.context["form"].fields["organisation"].choices] == ["Nord Ltd"]
    assert "Restart the search index" not in response.content.decode()  # offered to ACME's tier only


def test_the_window_is_shown_in_the_customers_time_zone(cw):
    change = ready_change(cw)
    shown = client_for(cw.consultant).get(page(cw.consultant, change)).content.decode()
    assert "Tue 12 Jan 2027, 20:00 – Tue 12 Jan 2027, 22:00 (Europe/Copenhagen)" in shown
