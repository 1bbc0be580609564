"""Helpers for the sign-in security tests: real TOTP codes, computed as an authenticator app does."""

import datetime as dt
import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.core.clock import now
from picocore.security.models import SecuritySettings
from picocore.security.twofactor import totp_enrolment_confirm, totp_enrolment_start
from picocore.tenancy.models import User
from tests.factories import PASSWORD

STAFF_ADDRESS = "203.0.113.9"


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding `device`'s secret shows now (or `steps_ahead` 30-second steps
    later: the device accepts one step of clock drift, and refuses a step it has already accepted)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    """`user` with a confirmed authenticator app (the code of the previous step confirmed it, so the current
    one still signs in) and their ten recovery codes."""
    device = totp_enrolment_start(actor=user)
    codes = totp_enrolment_confirm(actor=user, code=app_code(device, steps_ahead=-1))
    device.refresh_from_db()
    return device, codes


def deadline_in(delta: dt.timedelta) -> None:
    """Staff need a second factor from now + `delta` (negative: the grace period is over)."""
    SecuritySettings.objects.update_or_create(
        pk=SecuritySettings.SINGLETON, defaults={"staff_second_factor_from": now() + delta}
    )


def password_step(client: Client, user: User, *, address: str = STAFF_ADDRESS):
    return client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=address)


def code_step(client: Client, code: str, *, address: str = STAFF_ADDRESS):
    return client.post("/accounts/login/code/", {"code": code}, REMOTE_ADDR=address)
