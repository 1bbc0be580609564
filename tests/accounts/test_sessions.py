"""A person's signed-in sessions: listed on their Security page (browser, address, last activity, signed in),
only their own; ending another one signs that browser out; another person's session is a 404."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from picocore.security.models import SignedInSession
from picocore.security.sessions import session_record
from picocore.tenancy.models import User
from tests.accounts.support import password_step
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 "
    "Safari/604.1"
)
SECURITY = "/accounts/security/"


def browser(user: User, agent: str, address: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    assert password_step(client, user, address=address).status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get("/portal/", follow=False).status_code == 200


def test_the_page_lists_the_persons_own_sessions_only(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    browser(acme.requester, PHONE, "198.51.100.21")
    browser(acme.admin, FIREFOX, "198.51.100.99")
    page = laptop.get(SECURITY)
    text = page.content.decode()
    assert page.status_code == 200
    assert [row["browser"] for row in page.context["sessions"]] == ["Safari on iPhone", "Firefox on Windows"]
    assert "198.51.100.20" in text and "198.51.100.21" in text and "198.51.100.99" not in text
    assert [row["current"] for row in page.context["sessions"]] == [False, True]
    assert "This browser" in text and "Sign out Safari on iPhone" in text


def test_ending_another_session_signs_that_browser_out(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    phone = browser(acme.requester, PHONE, "198.51.100.21")
    phone_key = phone.session.session_key
    record = SignedInSession.objects.get(session_key=phone_key)
    response = laptop.post(f"/accounts/security/sessions/{record.pk}/end/")
    assert response.status_code == 302 and response["Location"] == SECURITY
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert not SignedInSession.objects.filter(pk=record.pk).exists()
    assert phone.get("/portal/")["Location"].startswith("/accounts/login/")
    assert signed_in(laptop)


def test_the_current_session_is_not_ended_from_the_list(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    record = SignedInSession.objects.get(session_key=laptop.session.session_key)
    assert laptop.post(f"/accounts/security/sessions/{record.pk}/end/").status_code == 404
    assert signed_in(laptop)


def test_signing_out_everywhere_else_keeps_this_browser(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    others = [browser(acme.requester, PHONE, f"198.51.100.{n}") for n in (30, 31)]
    colleague = browser(acme.admin, FIREFOX, "198.51.100.99")
    assert laptop.post("/accounts/security/sessions/end-others/").status_code == 302
    assert signed_in(laptop) and signed_in(colleague)
    assert not any(signed_in(other) for other in others)
    assert SignedInSession.objects.filter(user=acme.requester).count() == 1


def test_nobody_ends_another_persons_session(acme):
    victim = browser(acme.requester, FIREFOX, "198.51.100.20")
    record = SignedInSession.objects.get(session_key=victim.session.session_key)
    intruder = browser(acme.admin, FIREFOX, "198.51.100.99")
    assert intruder.post(f"/accounts/security/sessions/{record.pk}/end/").status_code == 404
    assert intruder.post("/accounts/security/sessions/999999999999999999999/end/").status_code == 404
    assert signed_in(victim) and SignedInSession.objects.filter(pk=record.pk).exists()
    assert intruder.get(f"/accounts/security/sessions/{record.pk}/end/").status_code == 405


def test_signing_out_forgets_the_session(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    assert SignedInSession.objects.filter(user=acme.requester).count() == 1
    laptop.post("/accounts/logout/")
    assert not SignedInSession.objects.filter(user=acme.requester).exists()


def test_activity_is_written_at_most_once_a_minute(acme, monkeypatch):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    with CaptureQueriesContext(connection) as captured:
        laptop.get("/accounts/security/")
    assert not [sql for sql in data_statements(captured) if "security_signedinsession" in sql and "UPDATE" in sql]
    later = time.time() + 61
    monkeypatch.setattr("picocore.accounts.state.time.time", lambda: later)
    with CaptureQueriesContext(connection) as captured:
        laptop.get("/accounts/security/")
    assert [sql for sql in data_statements(captured) if "security_signedinsession" in sql and "UPDATE" in sql]


def test_the_page_reads_a_constant_number_of_queries(acme):
    laptop = browser(acme.requester, FIREFOX, "198.51.100.20")
    laptop.get(SECURITY)

    def measured() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert laptop.get(SECURITY).status_code == 200
        return len(data_statements(captured))

    few = measured()
    for n in range(10):
        browser(acme.requester, PHONE, f"198.51.100.{40 + n}")
    assert measured() == few == 3  # the session, the person, their sessions (the security state is the session's)


def test_any_browser_header_signs_in_and_reads_plainly(acme):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0")
    assert password_step(client, acme.requester, address="2001:db8::1").status_code == 302
    record = SignedInSession.objects.get(user=acme.requester)
    assert record.ip_address == "2001:db8::1"
    assert client.get(SECURITY).context["sessions"][0]["browser"] == "Chrome on Linux"
    odd = Client(HTTP_USER_AGENT="x" * 1000 + "\x00")
    assert password_step(odd, acme.requester).status_code == 302
    record = SignedInSession.objects.get(session_key=odd.session.session_key)
    assert record.user_agent == "x" * 300
    assert odd.get(SECURITY).context["sessions"][0]["browser"] == "Unknown browser"


def test_an_address_that_is_not_one_is_left_out(acme):
    record = session_record(user=acme.requester, session_key="k" * 32, user_agent="", ip_address="not, an address")
    assert record.ip_address is None
