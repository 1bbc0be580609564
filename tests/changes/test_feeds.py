"""The secret iCalendar feeds: made once per owner (token shown once, only its hash kept), RFC 5545 as the
`icalendar` package reads it, only the owner's changes, SEQUENCE and STATUS as the change stands."""

import datetime as dt
import hashlib

import icalendar
import pytest
from django.urls import reverse

from picocore.changes.choices import ChangeStatus
from picocore.changes.feeds import organisation_feed_make, own_feed_make
from picocore.changes.models import CalendarFeed, Change
from picocore.core.errors import NotFound, PermissionDenied
from tests.changes.approval_support import START, make_change, service_manager
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def _events(client, token):
    response = client.get(reverse("changes_public:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def manager(db):
    return service_manager()


def test_organisation_feed_holds_only_its_changes(client, acme, nord, manager):
    mine = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, downtime_minutes=15)
    tentative = make_change(acme.organisation, by=manager, title="Reindex")
    make_change(acme.organisation, by=manager, status=ChangeStatus.DRAFT, title="Still a draft")
    make_change(nord.organisation, by=manager, status=ChangeStatus.SCHEDULED, title="Nord's")
    made = organisation_feed_make(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk)
    assert made.feed.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in str(CalendarFeed.objects.values_list().get())
    events = _events(client, made.token)
    assert set(events) == {f"{mine.uid}@picocore", f"{tentative.uid}@picocore"}
    event = events[f"{mine.uid}@picocore"]
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + dt.timedelta(hours=2)
    assert event.to_ical().decode().count("DTSTART:20270302T200000Z") == 1
    assert str(event["SUMMARY"]) == f"{mine.key} Upgrade Akeneo to 7.0"
    assert "Expected downtime: 15 minutes" in str(event["DESCRIPTION"])
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (0, "CONFIRMED")
    assert "DTSTAMP" in event
    assert str(events[f"{tentative.uid}@picocore"]["STATUS"]) == "TENTATIVE"


def test_sequence_rises_on_reschedule_and_cancelled_stays(client, acme, manager):
    change = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED)
    token = organisation_feed_make(actor=signed_in(manager), organisation_id=acme.organisation.pk).token
    before = _events(client, token)[f"{change.uid}@picocore"]
    Change.objects.filter(pk=change.pk).update(
        planned_start=START + dt.timedelta(days=1), planned_end=START + dt.timedelta(days=1, hours=2), sequence=1
    )
    after = _events(client, token)[f"{change.uid}@picocore"]
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert after.decoded("DTSTART") == START + dt.timedelta(days=1)
    Change.objects.filter(pk=change.pk).update(status=ChangeStatus.CANCELLED, sequence=2)
    cancelled = _events(client, token)[f"{change.uid}@picocore"]
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 2)


def test_a_new_token_replaces_the_old(client, acme, manager):
    first = organisation_feed_make(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk).token
    second = organisation_feed_make(actor=signed_in(acme.admin), organisation_id=acme.organisation.pk).token
    assert first != second
    assert CalendarFeed.objects.count() == 1
    assert client.get(reverse("changes_public:feed", args=[first])).status_code == 404
    assert client.get(reverse("changes_public:feed", args=[second])).status_code == 200


def test_unknown_tokens_404(client, db):
    for token in ("x" * 43, "short", "y" * 99, "z" * 300):
        assert client.get(f"/changes/feeds/{token}.ics").status_code == 404


def test_who_makes_which_feed(acme, nord, consultant, manager):
    with pytest.raises(PermissionDenied):
        organisation_feed_make(actor=signed_in(acme.requester), organisation_id=acme.organisation.pk)
    with pytest.raises(NotFound):
        organisation_feed_make(actor=signed_in(nord.admin), organisation_id=acme.organisation.pk)
    with pytest.raises(PermissionDenied):
        organisation_feed_make(actor=signed_in(consultant), organisation_id=acme.organisation.pk)
    nord.organisation.teams.clear()
    with pytest.raises(NotFound):  # a customer the consultant does not serve is not there for them
        organisation_feed_make(actor=signed_in(consultant), organisation_id=nord.organisation.pk)
    with pytest.raises(PermissionDenied):
        own_feed_make(actor=signed_in(acme.admin))
    assert CalendarFeed.objects.count() == 0
    organisation_feed_make(actor=signed_in(manager), organisation_id=nord.organisation.pk)
    own_feed_make(actor=signed_in(consultant))
    assert CalendarFeed.objects.count() == 2


def test_consultant_feed_is_their_changes_of_customers_they_serve(client, acme, nord, consultant, manager):
    theirs = make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=consultant)
    make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=manager, title="Not theirs")
    unserved = make_change(nord.organisation, by=manager, status=ChangeStatus.SCHEDULED, implementer=consultant)
    nord.organisation.teams.clear()
    token = own_feed_make(actor=signed_in(consultant)).token
    events = _events(client, token)
    assert set(events) == {f"{theirs.uid}@picocore"}
    assert str(events[f"{theirs.uid}@picocore"]["SUMMARY"]) == f"Acme Ltd: {theirs.key} Upgrade Akeneo to 7.0"
    assert unserved.uid


def test_feed_queries_constant(client, acme, manager, django_assert_num_queries):
    token = organisation_feed_make(actor=signed_in(manager), organisation_id=acme.organisation.pk).token
    make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED)
    with django_assert_num_queries(2):
        client.get(reverse("changes_public:feed", args=[token]))
    for day in range(30):
        make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, start=START + dt.timedelta(days=day))
    with django_assert_num_queries(2):
        assert len(_events(client, token)) == 31


def test_portal_and_desk_feed_forms(client, acme, nord, consultant, manager):
    client.force_login(acme.admin)
    assert client.post(reverse("portal:changes_feed")).status_code == 404  # the form names its organisation
    form = {"form_organisation": str(acme.organisation.pk)}
    assert (
        client.post(reverse("portal:changes_feed"), {"form_organisation": str(nord.organisation.pk)}).status_code == 404
    )
    assert CalendarFeed.objects.count() == 0
    response = client.post(reverse("portal:changes_feed"), form)
    assert response.status_code == 302
    page = client.get(reverse("portal:changes"))
    assert "/changes/feeds/" in page.content.decode()
    assert "/changes/feeds/" not in client.get(reverse("portal:changes")).content.decode()  # shown once
    assert CalendarFeed.objects.get().organisation == acme.organisation
    client.force_login(acme.requester)
    assert client.post(reverse("portal:changes_feed"), form).status_code == 404
    assert CalendarFeed.objects.count() == 1
    client.force_login(consultant)
    assert client.post(reverse("desk:changes_feed")).status_code == 302
    # A consultant serving Nord may not make Nord's feed: refused on the calendar, which says why.
    refused = client.post(reverse("desk:changes_feed"), {"organisation": str(nord.organisation.pk)})
    assert refused.status_code == 403 and refused.templates[0].name == "changes/calendar.html"
    assert refused.context["error"] == "Only the organisation's customer admins and service managers make its feed."
    assert 'role="alert" id="action-error"' in refused.content.decode()
    assert client.post(reverse("desk:changes_feed"), {"organisation": "99999"}).status_code == 404
    assert client.post(reverse("desk:changes_feed"), {"organisation": "x\x00"}).status_code == 404
    assert CalendarFeed.objects.count() == 2  # the consultant's own; not nord's
    client.force_login(manager)
    assert client.post(reverse("desk:changes_feed"), {"organisation": str(nord.organisation.pk)}).status_code == 302
    assert CalendarFeed.objects.filter(organisation=nord.organisation).count() == 1


def test_the_feed_follows_the_services_reschedule_and_cancellation(client, cw):
    """The same through the services: change_schedule's reschedule raises SEQUENCE by one, cancelling keeps the
    event with STATUS:CANCELLED."""
    from picocore.changes.services import change_schedule, change_transition
    from tests.changes.support import END, START, ready_change

    change = ready_change(cw, status=ChangeStatus.SCHEDULED)
    token = organisation_feed_make(actor=signed_in(cw.manager), organisation_id=cw.acme.organisation.pk).token
    assert int(_events(client, token)[f"{change.uid}@picocore"]["SEQUENCE"]) == 0
    week = dt.timedelta(days=7)
    change_schedule(actor=cw.consultant, change_id=change.pk, start=START + week, end=END + week)
    moved = _events(client, token)[f"{change.uid}@picocore"]
    assert (int(moved["SEQUENCE"]), moved.decoded("DTSTART")) == (1, START + week)
    change_transition(actor=cw.consultant, change_id=change.pk, target=ChangeStatus.CANCELLED)
    cancelled = _events(client, token)[f"{change.uid}@picocore"]
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 1)
