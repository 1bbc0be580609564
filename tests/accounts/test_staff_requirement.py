"""Staff must have a second factor once the administrator's grace period is over: until then every page reminds
them; after it every desk page sends them to the set-up page, the API refuses their tokens and their browser
session, and nothing else is open but sign-out. Customers are never held up."""

import datetime as dt
import re
import time

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.core.clock import now
from picocore.security.models import DEFAULT_GRACE, SecuritySettings
from picocore.security.twofactor import second_factor_deadline
from picocore.tenancy.models import User
from tests.accounts.support import app_code, code_step, deadline_in, enrolled, password_step
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

ENROLMENT = "/accounts/security/two-factor/"
REMINDER = "Set up two-factor sign-in"
PLACEHOLDERS = {"ticket_key": "ACME-1", "str": "2026-01", "slug": "acme", "path": "x"}


def _routes(patterns: list, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def desk_paths() -> list[str]:
    """Every desk page's path, its parameters filled in with plausible values (the requirement is checked
    before any view runs, so they need not exist)."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("desk/"):
            filled = re.sub(r"<(?:(\w+):)?\w+>", lambda m: PLACEHOLDERS.get(m.group(1) or "str", "1"), route)
            paths.append("/" + filled.lstrip("^").rstrip("$"))
    return sorted(set(paths))


def test_the_default_grace_period_is_fourteen_days_from_first_use(db):
    SecuritySettings.objects.all().delete()

    before = now()
    deadline = second_factor_deadline()
    assert dt.timedelta(days=14) == DEFAULT_GRACE
    assert before + DEFAULT_GRACE <= deadline <= now() + DEFAULT_GRACE
    assert second_factor_deadline() == deadline  # stored: the same on every later read


def test_during_the_grace_period_staff_are_reminded_and_may_work(client, consultant: User):
    deadline_in(dt.timedelta(days=3))
    client.force_login(consultant)
    page = client.get("/desk/", follow=True)
    assert page.status_code == 200 and REMINDER in page.content.decode()
    assert f'href="{ENROLMENT}"' in page.content.decode()


def test_after_the_grace_period_every_desk_page_leads_to_the_set_up_page(client, consultant: User):
    deadline_in(-dt.timedelta(minutes=1))
    client.force_login(consultant)
    paths = desk_paths()
    assert len(paths) > 50 and "/desk/" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == ENROLMENT, path
    assert client.post("/desk/tickets/ACME-1/reply/", {"body": "x"})["Location"] == ENROLMENT
    for elsewhere in ("/portal/", "/accounts/security/", "/accounts/tokens/", "/admin/"):
        assert client.get(elsewhere)["Location"] == ENROLMENT, elsewhere
    # Open: the set-up pages, static files, the language and signing out.
    assert client.get(ENROLMENT).status_code == 200
    assert client.post(f"{ENROLMENT}start/").status_code == 302
    assert client.get("/static/picocore/app.css").status_code != 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.session.get("_auth_user_id") is None


def test_setting_up_the_app_lifts_the_wall_at_once(client, consultant: User):
    deadline_in(-dt.timedelta(minutes=1))
    client.force_login(consultant)
    client.post(f"{ENROLMENT}start/")

    device = TOTPDevice.objects.get(user=consultant)
    assert client.post(f"{ENROLMENT}confirm/", {"code": app_code(device)}).status_code == 200
    page = client.get("/desk/", follow=True)
    assert page.status_code == 200 and REMINDER not in page.content.decode()


def test_staff_with_an_app_sign_in_and_work_after_the_grace_period(consultant: User):
    deadline_in(-dt.timedelta(days=1))
    device, _codes = enrolled(consultant)
    client = Client()
    password_step(client, consultant)
    code_step(client, app_code(device))
    page = client.get("/desk/", follow=True)
    assert page.status_code == 200 and REMINDER not in page.content.decode()


def test_after_the_grace_period_the_api_refuses_tokens_of_staff_without_a_second_factor(consultant: User, acme):
    api = Api(consultant)  # created during the grace period
    assert api.get("/api/v1/tickets/").status_code == 200
    deadline_in(-dt.timedelta(minutes=1))
    refused = api.get("/api/v1/tickets/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "second_factor_required"
    assert "authenticator app" in refused.json()["error"]["message"]
    # A customer's token is never refused for it.
    assert Api(acme.requester).get("/api/v1/tickets/").status_code == 200
    # Once the consultant has an app, the same token works again.
    enrolled(consultant)
    assert api.get("/api/v1/tickets/").status_code == 200


def test_after_the_grace_period_the_api_refuses_a_staff_browser_session(client, consultant: User):
    deadline_in(-dt.timedelta(minutes=1))
    client.force_login(consultant)
    refused = client.get("/api/v1/tickets/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_factor_required"


def test_customers_are_never_held_up_nor_reminded(client, acme):
    deadline_in(-dt.timedelta(days=30))
    client.force_login(acme.requester)
    page = client.get("/portal/", follow=True)
    assert page.status_code == 200 and REMINDER not in page.content.decode()
    assert "Members of staff must use" not in client.get("/accounts/security/").content.decode()


def test_a_moved_deadline_reaches_a_signed_in_session_within_a_minute(client, consultant: User, monkeypatch):
    deadline_in(dt.timedelta(days=3))
    client.force_login(consultant)
    assert client.get("/desk/", follow=True).status_code == 200
    deadline_in(-dt.timedelta(minutes=1))
    assert client.get("/desk/", follow=True).status_code == 200  # the session read the rule less than a minute ago

    later = time.time() + 61
    monkeypatch.setattr("picocore.accounts.state.time.time", lambda: later)
    assert client.get("/desk/")["Location"] == ENROLMENT
