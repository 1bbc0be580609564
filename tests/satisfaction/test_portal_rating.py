"""Rating a resolution on the request's page in the portal, signed in as its requester."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from picocore.satisfaction.models import Rating
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.services import ticket_reopen, ticket_transition
from tests import factories
from tests.portal.support import page

pytestmark = pytest.mark.django_db


def resolve(ticket, consultant):
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Importer fixed.")
    ticket.refresh_from_db()
    return ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).latest("id")


def scores_offered(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="score" value="(\d)"', html)


def rate(client, ticket, resolution, score, comment=""):
    return client.post(f"/portal/requests/{ticket.key}/rating/",
                       {"resolution": resolution.pk, "score": score, "comment": comment})  # fmt: skip


def test_the_requester_rates_a_resolution_with_one_click_and_sees_it_with_a_change_option(client, acme, consultant):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    assert scores_offered(page(client.get(f"/portal/requests/{ticket.key}/"))) == []  # not resolved yet
    event = resolve(ticket, consultant)
    html = page(client.get(f"/portal/requests/{ticket.key}/"))
    assert scores_offered(html) == ["1", "2", "3", "4", "5"]
    assert f'name="resolution" value="{event.pk}"' in html
    assert "Change your rating" not in html

    done = rate(client, ticket, event, "4", "Quick\x00, thanks")
    assert done.status_code == 302
    assert done["Location"] == f"/portal/requests/{ticket.key}/#rating-heading"
    rating = Rating.objects.get()
    assert (rating.score, rating.scale, rating.comment, rating.requester, rating.resolution) == (
        4, 5, "Quick, thanks", acme.requester, event)  # fmt: skip

    html = page(client.get(f"/portal/requests/{ticket.key}/"))
    assert "You rated this resolution 4 of 5." in html
    assert "Change your rating" in html
    assert 'value="4" class="button primary" aria-label="4 of 5" aria-pressed="true"' in html
    rate(client, ticket, event, "2", "Second thoughts")
    assert list(Rating.objects.values_list("score", "comment")) == [(2, "Second thoughts")]


def test_a_double_submit_records_one_rating(client, acme, consultant):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    for _ in range(2):
        assert rate(client, ticket, event, "5").status_code == 302
    assert Rating.objects.count() == 1


def test_a_closed_request_can_still_be_rated_within_the_week(client, acme, consultant):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    client.post(f"/portal/requests/{ticket.key}/confirm/")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert scores_offered(page(client.get(f"/portal/requests/{ticket.key}/"))) == ["1", "2", "3", "4", "5"]
    assert rate(client, ticket, event, "5").status_code == 302
    assert Rating.objects.get().score == 5


def test_after_the_week_the_rating_shows_without_change_and_a_new_one_is_refused(client, acme, consultant,
                                                                                monkeypatch):  # fmt: skip
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    rate(client, ticket, event, "3", "Fine")
    later = event.created_at + dt.timedelta(days=7, minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    client.force_login(acme.requester)  # the session of a week ago has expired
    html = page(client.get(f"/portal/requests/{ticket.key}/"))
    assert "You rated this resolution 3 of 5." in html
    assert "The week to change it has passed." in html
    assert scores_offered(html) == []
    refused = rate(client, ticket, event, "1", "Changed my mind")
    assert refused.status_code == 400
    assert "could be given or changed until" in page(refused)
    assert list(Rating.objects.values_list("score", "comment", "updated_at")) == [
        (3, "Fine", Rating.objects.get().created_at)]  # fmt: skip


def test_other_people_of_the_organisation_see_no_form_and_cannot_rate(client, acme, consultant):
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    acme.organisation.request_visibility = RequestVisibility.ORGANISATION
    acme.organisation.save()
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    for person in (acme.admin, colleague):
        client.force_login(person)
        html = page(client.get(f"/portal/requests/{ticket.key}/"))
        assert "We think this is solved" in html  # they see the request
        assert scores_offered(html) == []
        assert "How did we do?" not in html
        refused = rate(client, ticket, event, "1")
        assert refused.status_code == 403
        assert f"Only the person who asked for {ticket.key} rates its resolution." in page(refused)
    assert not Rating.objects.exists()


def test_a_page_older_than_a_new_resolution_is_refused_and_the_new_one_rated(client, acme, consultant):
    ticket = acme.ticket()
    first = resolve(ticket, consultant)
    client.force_login(acme.requester)
    rate(client, ticket, first, "2", "Not quite")
    ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken.")
    ticket.refresh_from_db()
    assert scores_offered(page(client.get(f"/portal/requests/{ticket.key}/"))) == []  # reopened: nothing to rate
    assert rate(client, ticket, first, "5").status_code == 400
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed for good.")
    second = ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).latest("id")
    html = page(client.get(f"/portal/requests/{ticket.key}/"))
    assert "You rated" not in html  # the new resolution has no rating yet
    assert f'name="resolution" value="{second.pk}"' in html
    stale = rate(client, ticket, first, "5")
    assert stale.status_code == 400
    assert "was resolved again since this page was shown" in page(stale)
    assert rate(client, ticket, second, "5").status_code == 302
    assert sorted(Rating.objects.values_list("resolution_id", "score")) == [(first.pk, 2), (second.pk, 5)]


@pytest.mark.parametrize("score", ["0", "6", "", "x", "\x00", "99999999999999999999"])
def test_a_score_off_the_scale_is_said_so_keeps_the_comment_and_saves_nothing(client, acme, consultant, score):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    response = rate(client, ticket, event, score, "x" * 5000)
    assert response.status_code == 400
    html = page(response)
    assert '<p class="field-error" id="rating-score-error" role="alert">Choose a score from 1 to 5.</p>' in html
    assert ">" + "x" * 2000 + "</textarea>" in html
    assert not Rating.objects.exists()


def test_the_three_point_scale_on_the_page(client, acme, consultant):
    tier = acme.organisation.contracts.get().tier
    tier.rating_scale = 3
    tier.save()
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    assert scores_offered(page(client.get(f"/portal/requests/{ticket.key}/"))) == ["1", "2", "3"]
    assert rate(client, ticket, event, "4").status_code == 400
    assert rate(client, ticket, event, "3").status_code == 302
    assert list(Rating.objects.values_list("score", "scale")) == [(3, 3)]


def test_an_unresolved_request_cannot_be_rated(client, acme, consultant):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    response = client.post(f"/portal/requests/{ticket.key}/rating/", {"resolution": "1", "score": "5"})
    assert response.status_code == 400
    assert "is not resolved: there is nothing to rate yet" in page(response)
    assert not Rating.objects.exists()


def test_the_rating_is_shown_in_the_organisations_time_zone_until(client, acme, consultant):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    html = page(client.get(f"/portal/requests/{ticket.key}/"))
    assert "You can give or change your rating until" in html
    assert timezone.is_aware(event.created_at)


def test_a_rating_from_a_tab_of_another_organisation_is_explained_and_kept(client, acme, nord, consultant):
    factories.MembershipFactory(user=acme.requester, organisation=nord.organisation, role=MembershipRole.REQUESTER)
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    client.force_login(acme.requester)
    assert client.post("/portal/organisation/", {"organisation": nord.organisation.pk}).status_code == 302
    data = {"resolution": event.pk, "score": "5", "comment": "Great", "form_organisation": acme.organisation.pk}
    response = client.post(f"/portal/requests/{ticket.key}/rating/", data)
    assert response.status_code == 400
    html = page(response)
    assert f"your rating of {ticket.key} is not recorded; send it again below." in html
    assert ">Great</textarea>" in html
    assert not Rating.objects.exists()
