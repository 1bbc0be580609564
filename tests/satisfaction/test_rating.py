"""Rating a resolution from the e-mail's signed link, without signing in."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from picocore.notifications.models import Notification, NotificationKind
from picocore.outbox.models import OutboxEmail
from picocore.satisfaction.links import SALT, rating_token
from picocore.satisfaction.models import Rating
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Membership
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.services import ticket_reopen, ticket_transition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return factories.StaffFactory(full_name="Sam Manager", staff_role=StaffRole.SERVICE_MANAGER)


def resolve(ticket, consultant):
    ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Importer fixed.")
    return ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).latest("id")


def links_in_email(requester) -> dict[int, str]:
    email = OutboxEmail.objects.filter(recipient=requester, kind="resolved").latest("id")
    return {int(score): url for score, url in re.findall(r"^(\d): (http\S+)$", email.body_text, re.M)}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_resolution_email_offers_one_click_scores_and_the_page_records_without_sign_in(client, acme, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    links = links_in_email(acme.requester)
    assert sorted(links) == [1, 2, 3, 4, 5]
    page = client.get(path_of(links[4]))
    assert page.status_code == 200
    assert re.search(r'value="4" checked', page.content.decode())
    token_path = path_of(links[4]).split("?")[0]
    done = client.post(token_path, {"score": "4", "comment": "Quick, thanks\x00!"})
    assert done.status_code == 200
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.requester, rating.ticket) == (4, "Quick, thanks!", acme.requester,
                                                                               ticket)  # fmt: skip
    assert rating.team_id == ticket.team_id


def test_only_the_requester_is_offered_links(acme, consultant):
    watcher = factories.UserFactory()
    factories.MembershipFactory(user=watcher, organisation=acme.organisation)
    ticket = acme.ticket()
    from picocore.tickets.models import TicketWatcher

    TicketWatcher.objects.create(ticket=ticket, user=watcher, organisation=acme.organisation)
    resolve(ticket, consultant)
    assert links_in_email(acme.requester)
    email = OutboxEmail.objects.filter(recipient=watcher, kind="resolved").first()
    assert email is None or "/rate/" not in email.body_text


def test_one_rating_per_requester_and_resolution_changeable_for_a_week(client, acme, consultant, monkeypatch):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    url = f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/"
    client.post(url, {"score": "5"})
    client.post(url, {"score": "3", "comment": "On second thought"})
    assert list(Rating.objects.values_list("score", "comment")) == [(3, "On second thought")]
    later = timezone.now() + dt.timedelta(days=8)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    refused = client.post(url, {"score": "1"})
    assert refused.status_code == 404
    assert Rating.objects.get().score == 3


def test_a_new_resolution_is_rated_on_its_own_and_the_earlier_link_is_refused(client, acme, consultant):
    ticket = acme.ticket()
    first = resolve(ticket, consultant)
    first_url = f"/rate/{rating_token(resolution_id=first.pk, requester_id=acme.requester.pk)}/"
    assert client.post(first_url, {"score": "2"}).status_code == 200
    ticket.refresh_from_db()
    ticket_reopen(actor=acme.requester, ticket=ticket, reason="Still broken.")
    ticket_transition(actor=consultant, ticket=ticket, to=Status.RESOLVED, note="Fixed for good.")
    second = ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED).latest("id")
    for method in (client.get, client.post):
        refused = method(first_url, {"score": "5"})
        assert refused.status_code == 404
        assert "resolved again after this link was sent" in refused.content.decode()
    assert list(Rating.objects.values_list("resolution_id", "score")) == [(first.pk, 2)]
    second_url = f"/rate/{rating_token(resolution_id=second.pk, requester_id=acme.requester.pk)}/"
    assert client.post(second_url, {"score": "5"}).status_code == 200
    assert sorted(Rating.objects.values_list("resolution_id", "score")) == [(first.pk, 2), (second.pk, 5)]


def test_the_link_is_refused_once_its_week_has_passed_even_before_the_signature_expires(client, acme, consultant,
                                                                                       monkeypatch):  # fmt: skip
    event = resolve(acme.ticket(), consultant)
    # Signed a day after the resolution (a resent e-mail): the signature would still be young, the week is not.
    signed_later = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr("time.time", lambda: signed_later.timestamp())
    token = rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)
    later = event.created_at + dt.timedelta(days=7, minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    response = client.post(f"/rate/{token}/", {"score": "5"})
    assert response.status_code == 404
    assert "its week has passed" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_tier_on_the_three_point_scale_offers_and_accepts_1_to_3(client, acme, consultant, manager):
    tier = acme.organisation.contracts.get().tier
    tier.rating_scale = 3
    tier.save()
    event = resolve(acme.ticket(), consultant)
    links = links_in_email(acme.requester)
    assert sorted(links) == [1, 2, 3]
    email = OutboxEmail.objects.filter(recipient=acme.requester, kind="resolved").latest("id")
    assert "(3 is excellent)" in email.body_text
    url = f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/"
    page = client.get(path_of(links[3])).content.decode()
    assert re.findall(r'name="score" value="(\d)"', page) == ["1", "2", "3"]
    refused = client.post(url, {"score": "4"})
    assert refused.status_code == 400
    assert "Choose a score from 1 to 3." in refused.content.decode()
    assert not Rating.objects.exists()
    client.post(url, {"score": "2"})
    assert list(Rating.objects.values_list("score", "scale")) == [(2, 3)]
    # 2 of 3 is the middle, not a complaint; 1 of 3 is (the low threshold, 2 of 5, in the same share).
    assert not Notification.objects.filter(kind=NotificationKind.LOW_RATING).exists()
    client.post(url, {"score": "1"})
    follow_up = Notification.objects.get(kind=NotificationKind.LOW_RATING)
    assert follow_up.title == f"Rated 1 of 3: {event.ticket.key} — please follow up"


def test_the_low_threshold_is_a_setting(client, acme, consultant, manager, settings):
    settings.PICOCORE_RATING_LOW = 3
    event = resolve(acme.ticket(), consultant)
    client.post(f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/", {"score": "3"})
    assert Notification.objects.filter(kind=NotificationKind.LOW_RATING, user=manager).count() == 1


def test_altered_foreign_and_other_peoples_links_are_refused(client, acme, nord, consultant):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    good = rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)
    not_the_requester = rating_token(resolution_id=event.pk, requester_id=acme.admin.pk)
    nords_person = rating_token(resolution_id=event.pk, requester_id=nord.requester.pk)
    not_a_resolution = rating_token(resolution_id=ticket.events.get(kind=EventKind.CREATED).pk,
                                    requester_id=acme.requester.pk)  # fmt: skip
    other_salt = signing.dumps({"r": event.pk, "u": acme.requester.pk}, salt="something else")
    for token in (good[:-2] + "xx", not_the_requester, nords_person, not_a_resolution, other_salt, "garbage"):
        for method in (client.get, client.post):
            response = method(f"/rate/{token}/", {"score": "1"})
            assert response.status_code == 404
            assert ticket.title not in response.content.decode()
    assert not Rating.objects.exists()
    assert SALT  # the salt is what keeps other signed values from passing as rating links


def test_a_requester_who_left_the_organisation_can_no_longer_rate(client, acme, consultant):
    ticket = acme.ticket()
    event = resolve(ticket, consultant)
    Membership.objects.filter(user=acme.requester).delete()
    response = client.post(f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/",
                           {"score": "5"})  # fmt: skip
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_a_long_comment_is_cut_to_fit_and_nul_bytes_dropped(client, acme, consultant):
    event = resolve(acme.ticket(), consultant)
    url = f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/"
    assert client.post(url, {"score": "4", "comment": "\x00" + "é" * 5000}).status_code == 200
    assert Rating.objects.get().comment == "é" * 2000


@pytest.mark.parametrize("score", ["0", "6", "", "4.5", "-1", "\x00", "99999999999999999999"])
def test_a_score_outside_the_scale_is_said_so_and_nothing_saved(client, acme, consultant, score):
    event = resolve(acme.ticket(), consultant)
    response = client.post(f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/",
                           {"score": score, "comment": "x" * 5000})  # fmt: skip
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Rating.objects.exists()


def test_a_low_score_asks_the_service_managers_to_follow_up_once(client, acme, consultant, manager):
    event = resolve(acme.ticket(), consultant)
    url = f"/rate/{rating_token(resolution_id=event.pk, requester_id=acme.requester.pk)}/"
    client.post(url, {"score": "4"})
    assert not Notification.objects.filter(kind=NotificationKind.LOW_RATING).exists()
    client.post(url, {"score": "1", "comment": "Took three days"})
    client.post(url, {"score": "2"})
    follow_ups = Notification.objects.filter(kind=NotificationKind.LOW_RATING)
    assert list(follow_ups.values_list("user_id", flat=True)) == [manager.pk]
    assert "Took three days" in follow_ups.get().body
    assert Rating.objects.get().follow_up_at is not None
