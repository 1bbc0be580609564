"""Step-up: creating an API token asks for a fresh proof — the app's code for people with one (a password does
not stand in for it), the password for people without — valid for ten minutes."""

import datetime as dt

import pytest
from django.core.handlers.wsgi import get_script_name
from django.test import Client
from django.test.client import ClientHandler
from django.urls import set_script_prefix
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.api.models import ApiToken
from picocore.core.clock import now
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from tests import factories
from tests.accounts.support import app_code, code_step, enrolled, password_step
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_manager(db) -> User:
    return factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER, is_staff=True, is_superuser=True)


TOKENS = "/accounts/tokens/"
STEP_UP = "/accounts/confirm/?next=%2Faccounts%2Ftokens%2F"
NEW_TOKEN = {"name": "Nightly import", "scopes": ["tickets:read"], "expires_in_days": "30"}


def test_token_creation_needs_a_fresh_code_and_a_fresh_code_satisfies_it(consultant: User):
    device, _codes = enrolled(consultant)
    client = Client()
    client.force_login(consultant)  # signed in, but not with a code in this session
    page = client.get(TOKENS)
    assert page.status_code == 200 and f'href="{STEP_UP}"'.replace("&", "&amp;") in page.content.decode()
    refused = client.post(TOKENS, NEW_TOKEN)
    assert refused.status_code == 302 and refused["Location"] == STEP_UP
    assert not ApiToken.objects.exists()

    form = client.get(STEP_UP)
    assert form.status_code == 200 and 'name="code"' in form.content.decode()
    # The password is not a second factor.
    assert client.post("/accounts/confirm/", {"password": PASSWORD, "next": TOKENS}).status_code == 400
    wrong = client.post("/accounts/confirm/", {"code": "000000", "next": TOKENS})
    assert wrong.status_code == 400 and client.post(TOKENS, NEW_TOKEN).status_code == 302
    device.throttle_reset()
    confirmed = client.post("/accounts/confirm/", {"code": app_code(device), "next": TOKENS})
    assert confirmed.status_code == 302 and confirmed["Location"] == TOKENS
    created = client.post(TOKENS, NEW_TOKEN)
    assert created.status_code == 200 and created.context["created"] is not None
    assert ApiToken.objects.filter(user=consultant).count() == 1


def test_signing_in_with_the_code_counts_as_fresh_for_ten_minutes(consultant: User, monkeypatch):
    device, _codes = enrolled(consultant)
    client = Client()
    password_step(client, consultant)
    code_step(client, app_code(device))
    assert client.post(TOKENS, NEW_TOKEN).status_code == 200
    later = now() + dt.timedelta(minutes=11)
    monkeypatch.setattr("picocore.accounts.stepup.now", lambda: later)
    assert client.post(TOKENS, {**NEW_TOKEN, "name": "Second"})["Location"] == STEP_UP
    assert ApiToken.objects.count() == 1


def test_people_without_an_app_confirm_with_their_password(acme):
    client = Client()
    client.force_login(acme.requester)
    assert client.post(TOKENS, NEW_TOKEN)["Location"] == STEP_UP
    assert 'name="password"' in client.get(STEP_UP).content.decode()
    assert client.post("/accounts/confirm/", {"password": "wrong password", "next": TOKENS}).status_code == 400
    assert client.post(TOKENS, NEW_TOKEN).status_code == 302
    assert client.post("/accounts/confirm/", {"password": PASSWORD, "next": TOKENS})["Location"] == TOKENS
    assert client.post(TOKENS, NEW_TOKEN).status_code == 200


def test_signing_in_with_the_password_counts_as_fresh_for_people_without_an_app(acme):
    client = Client()
    password_step(client, acme.requester)
    assert client.post(TOKENS, NEW_TOKEN).status_code == 200


def test_step_up_goes_back_only_to_this_site(acme):
    client = Client()
    client.force_login(acme.requester)
    response = client.post("/accounts/confirm/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_failed_step_ups_lock_out_like_failed_sign_ins(acme):
    client = Client()
    client.force_login(acme.requester)
    for _ in range(4):
        assert client.post("/accounts/confirm/", {"password": "wrong", "next": TOKENS}).status_code == 400
    assert client.post("/accounts/confirm/", {"password": "wrong", "next": TOKENS}).status_code == 429
    assert client.post("/accounts/confirm/", {"password": PASSWORD, "next": TOKENS}).status_code == 429
    assert client.post(TOKENS, NEW_TOKEN).status_code == 302


def test_the_admins_contract_pages_need_a_fresh_code(service_manager: User):
    device, _codes = enrolled(service_manager)
    client = Client()
    client.force_login(service_manager)
    contracts = "/admin/contracts/contract/"
    for path in (contracts, "/admin/contracts/", f"{contracts}add/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/confirm/?next="), path
    assert client.get("/admin/").status_code == 200  # the rest of the admin as before
    client.post("/accounts/confirm/", {"code": app_code(device), "next": contracts})
    assert client.get(contracts).status_code == 200


def test_new_recovery_codes_and_turning_the_app_off_need_a_fresh_code(consultant: User):
    device, old = enrolled(consultant)
    client = Client()
    client.force_login(consultant)
    for action in ("recovery-codes", "remove"):
        response = client.post(f"/accounts/security/two-factor/{action}/")
        assert response["Location"].startswith("/accounts/confirm/?next="), action
    assert StaticToken.objects.filter(device__user=consultant).count() == 10
    client.post("/accounts/confirm/", {"code": app_code(device), "next": "/accounts/security/"})
    fresh = client.post("/accounts/security/two-factor/recovery-codes/")
    assert fresh.status_code == 200 and len(fresh.context["codes"]) == 10
    assert not set(fresh.context["codes"]) & set(old)
    assert client.post("/accounts/security/two-factor/remove/")["Location"] == "/accounts/security/"
    assert not TOTPDevice.objects.filter(user=consultant).exists()
    assert not StaticToken.objects.filter(device__user=consultant).exists()


class _ServedUnderAPrefix(ClientHandler):
    """The test client's handler, setting the script prefix from the request as Django's WSGI handler does
    (the test client leaves it alone, so `reverse()` would never carry a prefix in a test)."""

    def __call__(self, environ):
        set_script_prefix(get_script_name(environ))
        try:
            return super().__call__(environ)
        finally:
            set_script_prefix("/")


def _prefixed_client(settings, how: str) -> tuple[Client, dict[str, str]]:
    """A client of an installation served under /pico: the proxy's SCRIPT_NAME, or FORCE_SCRIPT_NAME."""
    client = Client()
    client.handler = _ServedUnderAPrefix(enforce_csrf_checks=False)
    if how == "FORCE_SCRIPT_NAME":
        settings.FORCE_SCRIPT_NAME = "/pico"
        return client, {}
    return client, {"SCRIPT_NAME": "/pico"}


@pytest.mark.parametrize("how", ["SCRIPT_NAME", "FORCE_SCRIPT_NAME"])
def test_the_contract_pages_ask_for_a_proof_under_a_script_prefix_too(service_manager: User, settings, how):
    """Served under /pico: `reverse()` names the pages with the prefix, `request.path_info` has none, so the
    two must not be compared (the contract pages opened without a proof when they were)."""
    client, extra = _prefixed_client(settings, how)
    device, _codes = enrolled(service_manager)
    client.force_login(service_manager)
    response = client.get("/admin/contracts/contract/", **extra)
    assert response.status_code == 302
    assert response["Location"] == "/pico/accounts/confirm/?next=%2Fpico%2Fadmin%2Fcontracts%2Fcontract%2F"
    assert client.get("/admin/", **extra).status_code == 200
    confirmed = client.post("/accounts/confirm/", {"code": app_code(device), "next": "/pico/admin/"}, **extra)
    assert confirmed.status_code == 302, confirmed.content.decode()[-3000:]
    assert client.get("/admin/contracts/contract/", **extra).status_code == 200


@pytest.mark.parametrize("how", ["SCRIPT_NAME", "FORCE_SCRIPT_NAME"])
def test_a_blocked_member_of_staff_still_reaches_the_set_up_page_under_a_script_prefix(consultant: User, settings, how):
    from tests.accounts.support import deadline_in

    client, extra = _prefixed_client(settings, how)
    deadline_in(-dt.timedelta(days=1))
    client.force_login(consultant)
    assert client.get("/desk/", **extra)["Location"] == "/pico/accounts/security/two-factor/"
    assert client.get("/accounts/security/two-factor/", **extra).status_code == 200  # no redirect loop


@pytest.mark.parametrize(
    "form_address",
    ["/accounts/security/two-factor/recovery-codes/", "/accounts/security/two-factor/remove/"],
)
def test_a_refused_form_returns_to_the_page_it_was_sent_from_not_to_its_post_only_address(
    consultant: User, form_address: str
):
    device, _codes = enrolled(consultant)
    client = Client()
    client.force_login(consultant)
    refused = client.post(form_address, HTTP_REFERER="http://testserver/accounts/security/?tab=2fa")
    assert refused["Location"] == "/accounts/confirm/?next=%2Faccounts%2Fsecurity%2F%3Ftab%3D2fa"
    step_up = client.get(refused["Location"])
    assert "send the form again" in step_up.content.decode()
    confirmed = client.post("/accounts/confirm/", {"code": app_code(device), "next": "/accounts/security/?tab=2fa"})
    assert confirmed["Location"] == "/accounts/security/?tab=2fa"
    assert client.get(confirmed["Location"]).status_code == 200
    assert StaticToken.objects.filter(device__user=consultant).count() == 10  # the refused form did nothing


def test_a_referer_of_another_site_is_not_a_way_back(consultant: User):
    enrolled(consultant)
    client = Client()
    client.force_login(consultant)
    refused = client.post("/accounts/security/two-factor/remove/", HTTP_REFERER="https://evil.example/accounts/")
    assert refused["Location"] == "/accounts/confirm/?next=%2Faccounts%2Fsecurity%2Ftwo-factor%2Fremove%2F"
