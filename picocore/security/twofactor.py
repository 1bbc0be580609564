"""Second factors (django-otp): an authenticator app (TOTP) and single-use recovery codes, and the
installation's rule on when staff must have one.

Guarantees: a TOTP device counts only once it is confirmed with a code it produced; a person has at most one
confirmed TOTP device and one set of recovery codes; a recovery code verifies once and is then gone;
regenerating the codes invalidates every earlier one. Verification goes through django-otp's devices, which
refuse a TOTP code used before and slow down repeated failures (their own throttle, kept in the database).
"""

import base64
import datetime as dt
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import ValidationError
from picocore.security.models import Passkey, SecuritySettings
from picocore.tenancy.models import User

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# What a person may type: "123 456", "abcd efgh ij"; longer input is never a code.
MAX_CODE_LENGTH = 32


def security_settings() -> SecuritySettings:
    """The installation's one row of sign-in rules, created with the defaults on first use."""
    row, _created = SecuritySettings.objects.get_or_create(pk=SecuritySettings.SINGLETON)
    return row


def second_factor_deadline() -> dt.datetime:
    """From when staff must sign in with a second factor."""
    return security_settings().staff_second_factor_from


def second_factor_required(user: User, *, at: dt.datetime | None = None) -> bool:
    """Whether `user` must have a second factor now: staff, once the grace period is over. Customers never."""
    return user.is_service_staff and (at or now()) >= second_factor_deadline()


def totp_device_of(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    """Whether the person has a confirmed authenticator app (recovery codes alone do not count: they are
    the way back in when the app is lost, made together with it)."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:MAX_CODE_LENGTH]


@transaction.atomic
def totp_enrolment_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed authenticator app the person is setting up: the same one until it is confirmed (so a
    reloaded page shows the same secret), a new one after a confirmation (to replace the app)."""
    pending = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=actor, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, actor: User, code: str) -> list[str]:
    """Confirm the app being set up with a code it shows now: it replaces any earlier app, and a fresh set of
    recovery codes is made (returned, to be shown once). A wrong code changes nothing."""
    pending = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
    if pending is None:
        raise ValidationError(_("Start setting up the authenticator app first."))
    if not pending.verify_token(_normalised(code)):
        raise ValidationError(
            _("That code is not the one the app shows. Check the app's clock and type the current code."),
            field_errors={"code": [_("Not the current code.")]},
        )
    replaced, _counts = TOTPDevice.objects.filter(user=actor).exclude(pk=pending.pk).delete()
    pending.confirmed = True
    pending.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    audit_record(
        actor=actor,
        action=AuditAction.FACTOR_ENROLLED,
        instance=actor,
        changes={"second_factor": {"before": TOTP_NAME if replaced else None, "after": TOTP_NAME}},
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    """Ten new single-use recovery codes, returned once (they are stored as django-otp keeps them); every
    earlier code stops working. Recorded in the audit trail (the codes themselves are not)."""
    left = recovery_codes_left(actor)
    codes = _new_recovery_codes(actor)
    audit_record(
        actor=actor,
        action=AuditAction.CODES_RENEWED,
        instance=actor,
        changes={"recovery_codes": {"before": left, "after": len(codes)}},
    )
    return codes


def _new_recovery_codes(actor: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=actor, name=RECOVERY_NAME, defaults={"confirmed": True})
    StaticDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def second_factor_remove(*, actor: User) -> None:
    """Remove the person's authenticator app, recovery codes and passkeys (to start again, say with a new
    phone); recorded in the audit trail when there was an app to remove."""
    had_app = TOTPDevice.objects.filter(user=actor, confirmed=True).exists()
    TOTPDevice.objects.filter(user=actor).delete()
    StaticDevice.objects.filter(user=actor).delete()
    Passkey.objects.filter(user=actor).delete()
    if had_app:
        audit_record(
            actor=actor,
            action=AuditAction.FACTOR_REMOVED,
            instance=actor,
            changes={"second_factor": {"before": TOTP_NAME, "after": None}},
        )


def second_factor_verify(*, user: User, code: str) -> bool:
    """Whether `code` is the current code of the person's app or one of their unused recovery codes (which is
    then used up). False for anything else, including a code used before."""
    code = _normalised(code)
    if not code:
        return False
    if code.isdigit():
        device = totp_device_of(user)
        return device is not None and bool(device.verify_token(code))
    with transaction.atomic():
        devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        return any(device.verify_token(code) for device in devices)


def otpauth_qr_data_uri(uri: str) -> str:
    """The otpauth:// address as a QR code: an SVG drawn here and handed to the page as a data: address (the
    page's content security policy allows images from data:, and no script or style is involved)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
