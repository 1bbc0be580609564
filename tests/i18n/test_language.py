"""A person's language: chosen once (POST only), stored on the user, winning over the browser's preference;
e-mails written in the recipient's language; dates and durations in the language's formats."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from picocore.outbox.models import OutboxEmail
from picocore.sla.presenters import duration_text
from picocore.tickets.services import ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request activates its language on the thread (as Django does); later tests start from English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


DANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "da-DK,da;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def page_language(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_without_a_choice_the_browser_decides(client, acme):
    client.force_login(acme.requester)
    danish = client.get(reverse("portal:home"), **DANISH_BROWSER)
    assert page_language(danish) == "da" and "Mine henvendelser" in danish.content.decode()
    english = client.get(reverse("portal:home"), **ENGLISH_BROWSER)
    assert page_language(english) == "en" and "My requests" in english.content.decode()


def test_the_chosen_language_is_stored_and_wins_over_the_browser(client, acme):
    client.force_login(acme.requester)
    url = reverse("accounts:language")
    assert client.get(url).status_code == 405  # GET never changes state
    acme.requester.refresh_from_db()
    assert acme.requester.language == ""
    response = client.post(url, {"language": "da", "next": reverse("portal:home")}, **ENGLISH_BROWSER)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    acme.requester.refresh_from_db()
    assert acme.requester.language == "da"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)  # the stored choice alone decides
    page = client.get(reverse("portal:home"), **ENGLISH_BROWSER)
    assert page_language(page) == "da" and "Mine henvendelser" in page.content.decode()
    # Back to following the browser.
    client.post(url, {"language": "", "next": reverse("portal:home")})
    acme.requester.refresh_from_db()
    assert acme.requester.language == ""
    assert page_language(client.get(reverse("portal:home"), **ENGLISH_BROWSER)) == "en"


def test_an_unknown_language_or_a_foreign_next_page_is_refused(client, acme):
    client.force_login(acme.requester)
    url = reverse("accounts:language")
    assert client.post(url, {"language": "xx"}).status_code == 400
    acme.requester.refresh_from_db()
    assert acme.requester.language == ""
    response = client.post(url, {"language": "da", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_signed_out_the_choice_is_kept_in_the_cookie(client):
    response = client.post(reverse("accounts:language"), {"language": "da", "next": reverse("accounts:login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "da"
    page = client.get(reverse("accounts:login"), **ENGLISH_BROWSER)
    assert page_language(page) == "da" and "Log ind i PicoCore" in page.content.decode()


def test_each_recipient_gets_the_e_mail_in_their_own_language(acme, consultant):
    acme.requester.language = "da"
    acme.requester.save()
    ticket = acme.ticket()
    consultant.language = ""  # no choice: the installation's language
    consultant.save()
    before = translation.get_language()
    ticket_reply(actor=consultant, ticket=ticket, body="Vi kigger på det.")
    # The customer also has the receipt of the request, in Danish too; this is the reply's e-mail.
    receipt, to_customer = OutboxEmail.objects.filter(to_address=acme.requester.email).order_by("id")
    assert "Vi har modtaget din henvendelse" in receipt.body_text
    assert to_customer.subject == "[ACME-1] Sv: Images missing"
    assert "Hej " in to_customer.body_text and "Næste skridt" not in to_customer.body_text
    assert "Du kan svare på denne e-mail" in to_customer.body_text
    assert 'lang="da"' in to_customer.body_html
    to_team = OutboxEmail.objects.get(to_address=consultant.email)
    assert to_team.subject == "[ACME-1] New request: Images missing"
    assert "Hello " in to_team.body_text
    assert translation.get_language() == before  # each e-mail's language was only borrowed


def test_dates_numbers_and_durations_read_in_danish():
    moment = dt.datetime(2026, 12, 3, 10, 30, tzinfo=dt.UTC)
    with translation.override("en"):
        assert date_format(moment, "DATE_FORMAT") == "Thu 3 Dec 2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "Thu 3 Dec, 10:30"
        assert duration_text(dt.timedelta(hours=2, minutes=10)) == "2 h 10 min"
    with translation.override("da"):
        assert date_format(moment, "DATE_FORMAT") == "tor. 3. dec. 2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "tor. 3. dec. kl. 10:30"
        assert date_format(dt.date(2026, 5, 4), "DATE_FORMAT") == "man. 4. maj 2026"
        assert duration_text(dt.timedelta(hours=2, minutes=10)) == "2 t 10 min"
        assert duration_text(dt.timedelta(days=3, hours=2)) == "3 d 2 t"
