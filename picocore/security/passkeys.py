"""Passkeys (W3C Web Authentication) as a second factor, beside the authenticator app: registered on the
Security page, used instead of the app's code at sign-in and at step-up. py_webauthn does the checks.

Guarantees:
- a passkey is registered, and a sign-in with one accepted, only for the challenge this server made for that
  person (kept by the caller, used once), from this installation's origin and relying party, with the user
  present; the sign-in's signature must verify with the stored public key of one of *that person's* passkeys,
  and an authenticator that counts signatures must report a higher count than last time (a cloned key is
  refused);
- passkeys come after the authenticator app (whose recovery codes are the way back in when a device is lost):
  a person without a confirmed app cannot add one, and removing the app removes them too;
- at most `MAX_PASSKEYS` per person; a credential registered once cannot be registered again, by anyone;
- anything malformed (bad JSON, oversized answers, a foreign credential) is a refusal, never an error page.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.core.text import one_line
from picocore.security.models import Passkey
from picocore.security.twofactor import totp_device_of
from picocore.tenancy.models import User

MAX_PASSKEYS = 10
# A browser's answer is a few kilobytes at most; anything far larger is not one.
MAX_RESPONSE_LENGTH = 64 * 1024
RP_NAME = "PicoCore"
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    """Who asks: the host name passkeys are bound to (`id`) and the origin the browser must report."""

    id: str
    origin: str


@dataclass(frozen=True)
class Ceremony:
    """Options for the browser (JSON, as `PublicKeyCredential.parse…OptionsFromJSON` reads them) and the
    challenge in them, which the caller keeps (in the session) and hands back with the browser's answer."""

    options_json: str
    challenge: bytes


def passkeys_of(user: User) -> QuerySet[Passkey]:
    return Passkey.objects.filter(user=user).order_by("created_at", "id")


def _user_handle(user: User) -> bytes:
    # Stable per person and installation, and not personal data (the specification asks for neither e-mail
    # nor name here).
    return salted_hmac("picocore.security.passkeys.user-handle", str(user.pk), algorithm="sha256").digest()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(t) for t in passkey.transports if t in TRANSPORTS],
        )
        for passkey in passkeys_of(user)
    ]


def passkey_registration_options(*, actor: User, rp: RelyingParty) -> Ceremony:
    """Begin adding a passkey: refused without an authenticator app, or with `MAX_PASSKEYS` already."""
    if totp_device_of(actor) is None:
        raise ValidationError(_("Set up an authenticator app first: passkeys come beside it."))
    if passkeys_of(actor).count() >= MAX_PASSKEYS:
        raise ValidationError(_("You have %(count)d passkeys, the most there may be.") % {"count": MAX_PASSKEYS})
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=_user_handle(actor),
        user_name=actor.email,
        user_display_name=actor.full_name or actor.email,
        exclude_credentials=_descriptors(actor),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    return Ceremony(options_json=options_to_json(options), challenge=options.challenge)


def _parsed(response_json: str) -> dict[str, Any]:
    if not response_json or len(response_json) > MAX_RESPONSE_LENGTH or "\x00" in response_json:
        raise ValidationError(_("The browser's answer was not a passkey's."))
    try:
        answer = json.loads(response_json)
    except ValueError:
        raise ValidationError(_("The browser's answer was not a passkey's.")) from None
    if not isinstance(answer, dict):
        raise ValidationError(_("The browser's answer was not a passkey's."))
    return answer


@transaction.atomic
def passkey_register(
    *, actor: User, rp: RelyingParty, name: str, response_json: str, challenge: bytes | None
) -> Passkey:
    """Check the browser's answer to `challenge` and store the new passkey under `name`."""
    if challenge is None:
        raise ValidationError(_("Start adding the passkey again: this page's request has expired."))
    label = one_line(name.replace("\x00", "")).strip()[: Passkey._meta.get_field("name").max_length] or _("Passkey")
    answer = _parsed(response_json)
    if totp_device_of(actor) is None:
        raise ValidationError(_("Set up an authenticator app first: passkeys come beside it."))
    if Passkey.objects.select_for_update().filter(user=actor).count() >= MAX_PASSKEYS:
        raise ValidationError(_("You have %(count)d passkeys, the most there may be.") % {"count": MAX_PASSKEYS})
    try:
        verified = verify_registration_response(
            credential=answer, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        raise ValidationError(_("The passkey could not be checked. Try again, or with another device.")) from None
    transports = answer.get("response", {}).get("transports") if isinstance(answer.get("response"), dict) else None
    try:
        with transaction.atomic():
            return Passkey.objects.create(
                user=actor,
                name=label,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[t for t in transports or [] if isinstance(t, str) and t in TRANSPORTS],
            )
    except IntegrityError:
        raise ValidationError(_("That passkey is registered already.")) from None


def passkey_sign_in_options(*, user: User, rp: RelyingParty) -> Ceremony:
    """Ask the browser for one of the person's passkeys (an empty list of them when they have none: the
    browser then finds none, and the answer is the same as for a person with passkeys)."""
    options = generate_authentication_options(
        rp_id=rp.id, allow_credentials=_descriptors(user), user_verification=UserVerificationRequirement.PREFERRED
    )
    return Ceremony(options_json=options_to_json(options), challenge=options.challenge)


def passkey_verify(*, user: User, rp: RelyingParty, response_json: str, challenge: bytes | None) -> bool:
    """Whether the browser's answer proves one of the person's passkeys for `challenge`; on success the
    passkey's counter and last use are recorded. False for anything else."""
    if challenge is None:
        return False
    try:
        answer = _parsed(response_json)
    except ValidationError:
        return False
    credential_id = answer.get("id")
    if not isinstance(credential_id, str):
        return False
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, credential_id=credential_id).first()
        if passkey is None:
            return False
        try:
            verified = verify_authentication_response(
                credential=answer,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
            )
        except (WebAuthnException, ValueError, TypeError, KeyError):
            return False
        Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count, last_used_at=now())
    return True


@transaction.atomic
def passkey_remove(*, actor: User, passkey_id: int) -> Passkey:
    """Remove one of the actor's passkeys; another person's is the same "not found" as a missing one."""
    passkey = Passkey.objects.filter(pk=passkey_id, user=actor).first()
    if passkey is None:
        raise NotFound(_("There is no such passkey of yours."))
    passkey.delete()
    return passkey
