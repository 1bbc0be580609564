"""Staff two-factor sign-in: setting up an authenticator app (confirmed with a real code before it counts),
signing in with its code in a step of its own, recovery codes that work once, and the code step throttled as
the password step is."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.security.twofactor import recovery_codes_regenerate
from picocore.tenancy.models import User
from tests.accounts.support import app_code, code_step, enrolled, password_step
from tests.accounts.test_throttle import LOCKED, said
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 5
WRONG_CODE = "That code is not right, or was used before. Type the code the app shows now."


def signed_in_as(client: Client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id is not None else None


def test_setting_up_the_app_shows_its_secret_and_counts_only_once_confirmed(client, consultant: User):
    client.force_login(consultant)
    page = client.get("/accounts/security/two-factor/")
    assert page.status_code == 200 and "Set up an authenticator app" in page.content.decode()
    assert not TOTPDevice.objects.exists()  # a GET changes nothing

    assert client.post("/accounts/security/two-factor/start/").status_code == 302
    device = TOTPDevice.objects.get(user=consultant)
    assert device.confirmed is False
    page = client.get("/accounts/security/two-factor/").content.decode()
    uri = re.search(r"data-otpauth-uri>([^<]+)<", page).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/PicoCore%3A") and "issuer=PicoCore" in uri
    secret = re.search(r'value="([A-Z2-7 ]+)"[^>]*data-totp-secret', page).group(1).replace(" ", "")
    assert f"secret={secret}&" in uri
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, drawn on the server
    # Starting again before confirming keeps the same secret.
    client.post("/accounts/security/two-factor/start/")
    assert TOTPDevice.objects.get(user=consultant).pk == device.pk

    wrong = client.post(
        "/accounts/security/two-factor/confirm/", {"code": f"{(int(app_code(device)) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 400 and "Not the current code." in wrong.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False and not StaticToken.objects.exists()

    confirmed = client.post("/accounts/security/two-factor/confirm/", {"code": app_code(device)})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert sorted(StaticToken.objects.filter(device__user=consultant).values_list("token", flat=True)) == sorted(codes)
    # Shown once: the Security page tells how many are left, never which.
    security = client.get("/accounts/security/").content.decode()
    assert "You have 10 unused recovery codes." in security and not any(code in security for code in codes)


def test_signing_in_asks_for_the_code_after_the_password(consultant: User):
    device, _codes = enrolled(consultant)
    client = Client()
    response = password_step(client, consultant)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/"
    assert signed_in_as(client) is None
    assert client.get("/desk/")["Location"].startswith("/accounts/login/")

    response = code_step(client, app_code(device))
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == consultant.pk
    assert client.get("/desk/", follow=True).status_code == 200


def test_the_code_step_keeps_the_page_asked_for(consultant: User):
    device, _codes = enrolled(consultant)
    client = Client()
    client.post("/accounts/login/?next=/desk/changes/", {"username": consultant.email, "password": PASSWORD,
                                                         "next": "/desk/changes/"})  # fmt: skip
    response = code_step(client, app_code(device))
    assert response["Location"] == "/desk/changes/"


def test_a_customer_without_an_app_signs_in_with_the_password_alone(acme):
    client = Client()
    response = password_step(client, acme.requester)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == acme.requester.pk


def test_the_code_step_needs_the_password_step_first(client, consultant: User):
    enrolled(consultant)
    response = code_step(client, "123456")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_a_wrong_code_is_refused_and_the_step_locks_out_like_the_password(consultant: User):
    device, _codes = enrolled(consultant)
    client = Client()
    password_step(client, consultant)
    good = app_code(device)
    wrong = f"{(int(good) + 500_000) % 10**6:06d}"
    for _ in range(LIMIT - 1):
        response = code_step(client, wrong)
        assert response.status_code == 400 and WRONG_CODE in said(response)
        assert signed_in_as(client) is None
    locked = code_step(client, wrong)
    assert locked.status_code == 429 and LOCKED in said(locked) and locked["Retry-After"] == "900"
    # The right code does not lift it, nor does starting again from the password.
    right = code_step(client, good)
    assert right.status_code == 429 and signed_in_as(client) is None
    assert password_step(Client(), consultant).status_code == 429
    # The device's own throttle (django-otp, in the database) counted a failure too, and now waits before it
    # checks another code.
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1 and device.verify_is_allowed()[0] is False


def test_a_code_is_refused_the_second_time(consultant: User):
    device, _codes = enrolled(consultant)
    code = app_code(device)
    first = Client()
    password_step(first, consultant)
    assert code_step(first, code).status_code == 302
    second = Client()
    password_step(second, consultant, address="203.0.113.10")
    replay = code_step(second, code, address="203.0.113.10")
    assert replay.status_code == 400 and signed_in_as(second) is None


def test_a_recovery_code_signs_in_once_and_only_once(consultant: User, settings):
    # django-otp waits a second after a refused code before it checks the next: not what is tested here.
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    _device, codes = enrolled(consultant)
    first = Client()
    password_step(first, consultant)
    assert code_step(first, f"  {codes[0].upper()[:4]} {codes[0][4:]} ").status_code == 302  # as typed from paper
    assert signed_in_as(first) == consultant.pk
    assert StaticToken.objects.filter(device__user=consultant).count() == 9

    again = Client()
    password_step(again, consultant)
    response = code_step(again, codes[0])
    assert response.status_code == 400 and signed_in_as(again) is None
    assert code_step(again, codes[1]).status_code == 302


def test_new_recovery_codes_make_the_old_ones_stop_working(consultant: User, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    _device, old = enrolled(consultant)
    new = recovery_codes_regenerate(actor=consultant)
    assert len(new) == 10 and not set(new) & set(old)
    client = Client()
    password_step(client, consultant)
    assert code_step(client, old[0]).status_code == 400
    assert code_step(client, new[0]).status_code == 302


@pytest.mark.parametrize("code", ["12\x0034", "9" * 33, "", "é" * 10, "123456' OR 1=1"])
def test_bad_input_in_the_code_step_is_refused_plainly(consultant: User, code: str):
    enrolled(consultant)
    client = Client()
    password_step(client, consultant)
    response = code_step(client, code)
    assert response.status_code == 400 and signed_in_as(client) is None
    assert StaticToken.objects.filter(device__user=consultant).count() == 10
