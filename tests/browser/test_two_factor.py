"""A consultant sets up two-factor sign-in in a real Chromium and signs in with it.

Carla (the demo's consultant, in the demo's long grace period) signs in with her password, is reminded on the
desk to set up an authenticator app, sets one up under Security — the page shows the secret, its QR code and the
setup address, and counts the app only once she types a code it shows — keeps her recovery codes, signs out, and
signs in again: the password, then a step of its own for the app's code, and she is on the desk. Every field is
found by its label and the code typed and sent with the keyboard; the pages log no console error (the QR code is
an image drawn on the server, nothing breaks the content security policy).
"""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from picocore.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CONSULTANT = "consultant@picocore.example"


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app holding the base32 `secret` shows now (or `steps_ahead` 30-second steps on)."""
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_a_consultant_sets_up_an_authenticator_app_and_signs_in_with_it(page: Page, sign_in, console_errors):
    sign_in(page, CONSULTANT)
    expect(page).to_have_url(re.compile(r"/desk/"))
    reminder = page.get_by_role("status").filter(has_text="Set up two-factor sign-in")
    expect(reminder).to_be_visible()

    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Security", level=1)).to_be_visible()
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.get_by_role("img", name="QR code of the secret key for the authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    secret = page.get_by_label("Secret key").input_value()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret)
    page.get_by_text("The setup address (otpauth://)").click()
    expect(page.locator("[data-otpauth-uri]")).to_contain_text("otpauth://totp/PicoCore")

    code = page.get_by_label("Code from the app")
    code.fill(app_code(secret, steps_ahead=-1))
    code.press("Enter")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="I have kept them: go on").click()
    expect(page).to_have_url(re.compile(r"/desk/"))
    expect(page.get_by_text("Set up two-factor sign-in")).to_have_count(0)

    page.get_by_role("button", name="Sign out").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail address").fill(CONSULTANT)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/"))
    expect(page.get_by_role("heading", name="Your code")).to_be_visible()
    field = page.get_by_role("textbox", name="Code")
    expect(field).to_be_focused()
    field.fill(app_code(secret))
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/desk/"))
    expect(page.get_by_role("link", name="Security")).to_be_visible()
    assert console_errors == []


def test_a_consultant_adds_a_passkey_and_signs_in_with_it(page: Page, sign_in, console_errors):
    """Chromium's virtual authenticator (DevTools protocol) stands in for the laptop's fingerprint reader."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})  # fmt: skip
    sign_in(page, CONSULTANT)
    page.goto(page.url.split("/desk/")[0] + "/accounts/security/two-factor/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.get_by_label("Secret key").input_value()
    page.get_by_label("Code from the app").fill(app_code(secret, steps_ahead=-1))
    page.get_by_label("Code from the app").press("Enter")
    page.get_by_role("link", name="I have kept them: go on").click()

    page.get_by_role("link", name="Security").click()
    page.get_by_label("Name of the new passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator(".messages")).to_contain_text("The passkey “Work laptop” is added.")
    expect(page.get_by_role("button", name="Remove Work laptop")).to_be_visible()

    page.get_by_role("button", name="Sign out").first.click()
    page.get_by_label("E-mail address").fill(CONSULTANT)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/"))
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/desk/"))
    assert console_errors == []
