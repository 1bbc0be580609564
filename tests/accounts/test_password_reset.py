"""Password reset from the sign-in page: a signed, expiring link e-mailed through the outbox, and the same
answer whether or not the address has an account."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.outbox.models import OutboxEmail
from tests import factories

pytestmark = pytest.mark.django_db

SENT = "If the address has an account, we have sent it a link to set a new password."


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


@pytest.fixture
def anna(db):
    return factories.UserFactory(email="anna@acme.example", full_name="Anna Andersen", password="old-Passw0rd!")


def ask(client, address: str):
    """Ask for a link as the page does, then let the worker do what the request handed it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": address}, follow=True)


def link_in(email: OutboxEmail) -> str:
    match = re.search(r"https?://[^\s]+/accounts/password/reset/[^\s]+/", email.body_text)
    assert match, email.body_text
    return match.group(0)


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}"' in page


def test_round_trip_request_outbox_link_new_password_sign_in(client, anna):
    response = ask(client, "  Anna@ACME.example ")
    assert response.status_code == 200 and SENT in response.content.decode()
    (email,) = OutboxEmail.objects.all()
    assert (email.recipient_id, email.to_address, email.kind) == (anna.pk, "anna@acme.example", "password_reset")
    assert email.subject == "Set a new PicoCore password"
    assert "Hello Anna Andersen," in email.body_text
    link = link_in(email)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path,
        {"new_password1": "Brand-new-Passw0rd!", "new_password2": "Brand-new-Passw0rd!"},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    anna.refresh_from_db()
    assert anna.check_password("Brand-new-Passw0rd!")
    signed_in = client.post(
        reverse("accounts:login"), {"username": "anna@acme.example", "password": "Brand-new-Passw0rd!"}
    )
    assert signed_in.status_code == 302
    # The link works once.
    client.logout()
    again = client.get("/" + path, follow=True)
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()


def page_text(response) -> str:
    """The page as a person reads it: the masked CSRF token (of the footer's language form) differs per response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, anna):
    known = ask(client, "anna@acme.example")
    unknown = ask(client, "nobody@acme.example")
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.redirect_chain == unknown.redirect_chain
    assert page_text(known) == page_text(unknown)
    assert OutboxEmail.objects.filter(to_address="nobody@acme.example").count() == 0
    assert OutboxEmail.objects.count() == 1


def test_an_inactive_account_gets_no_email(client, anna):
    anna.is_active = False
    anna.save()
    assert SENT in ask(client, "anna@acme.example").content.decode()
    assert OutboxEmail.objects.count() == 0


def test_a_tampered_link_is_refused(client, anna):
    ask(client, "anna@acme.example")
    path = "/" + link_in(OutboxEmail.objects.get()).split("://", 1)[1].split("/", 1)[1]
    response = client.get(path[:-3] + "zz/", follow=True)
    assert response.context["validlink"] is False


def test_repeated_requests_are_throttled_per_address_with_the_same_answer(client, anna):
    answers = {page_text(ask(client, "anna@acme.example")) for _ in range(5)}
    assert len(answers) == 1
    assert OutboxEmail.objects.filter(recipient=anna).count() == 3


def test_a_bad_address_is_refused_with_a_message(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "not an address\x00"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode() or "Null characters" in (
        response.content.decode()
    )
    assert OutboxEmail.objects.count() == 0


def test_many_requests_from_one_client_address_are_throttled_with_the_same_answer(client, anna, settings):
    addresses = [f"someone{n}@acme.example" for n in range(10)]
    for address in addresses:
        ask(client, address)
    answer = ask(client, "anna@acme.example")
    assert SENT in answer.content.decode()
    assert OutboxEmail.objects.count() == 0


def test_the_request_costs_the_same_whether_or_not_the_address_has_an_account(client, anna):
    """No timing tells which addresses exist: the request itself runs the same statements for both and only
    hands the address to the worker, which writes the e-mail afterwards."""

    def work_of(address: str) -> tuple[list[str], int]:
        with (
            TestCase.captureOnCommitCallbacks(execute=False) as handed_over,
            CaptureQueriesContext(connection) as captured,
        ):
            response = client.post(reverse("accounts:password_reset"), {"email": address})
        assert response.status_code == 302
        shapes = [query["sql"].replace(address, "?") for query in captured.captured_queries]
        for callback in handed_over:
            callback()
        return shapes, len(handed_over)

    known, unknown = work_of("anna@acme.example"), work_of("nobody@acme.example")
    assert known == unknown and known[1] == 1
    assert list(OutboxEmail.objects.values_list("to_address", flat=True)) == ["anna@acme.example"]


def test_the_link_is_written_in_the_accounts_language(client, anna):
    anna.language = "da"
    anna.save(update_fields=["language"])
    ask(client, "anna@acme.example")
    email = OutboxEmail.objects.get()
    assert email.subject != "Set a new PicoCore password" and "Anna Andersen" in email.body_text
