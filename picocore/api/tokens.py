"""Creating, listing, revoking and checking API tokens: the only code that touches `ApiToken`.

Guarantees: the plaintext is returned once, by `api_token_create`, and never stored; a token is found by its
public prefix and accepted only when the digest of the whole presented text matches (compared in constant
time), it is neither revoked nor expired and its person is active. Creating and revoking are audited. A person
creates at most `CREATED_PER_HOUR` tokens an hour and holds at most `USABLE_AT_ONCE` usable ones, counted under a
lock on their own row so that parallel requests cannot slip past either limit. A token's first use on each day
(the installation's) is audited too, riding on the once-a-minute write of its time of use: no request writes
more than it did."""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from picocore.api.models import ApiToken
from picocore.api.permissions import can_manage_token, can_own_tokens
from picocore.api.scopes import ALL_SCOPES
from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tenancy.models import User

TOKEN_PREFIX = "pc"  # noqa: S105 (the public marker of a token, not one)
EXPIRY_DAYS_CHOICES = (7, 30, 90, 365)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
LAST_USED_PRECISION = dt.timedelta(minutes=1)
CREATED_PER_HOUR = 10
USABLE_AT_ONCE = 50


@dataclass(frozen=True)
class NewToken:
    """A token just created, with the only copy of its plaintext."""

    token: ApiToken
    plaintext: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.replace("\x00", " ").split())
    if not cleaned:
        raise ValidationError(field_errors={"name": [_("Give the token a name, e.g. what will use it.")]})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError(
            field_errors={"name": [_("At most %(n)d characters.") % {"n": NAME_MAX_LENGTH}]},
        )
    return cleaned


def _clean_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - ALL_SCOPES)
    if unknown:
        raise ValidationError(field_errors={"scopes": [_("Unknown scope: %(s)s.") % {"s": ", ".join(unknown)}]})
    if not scopes:
        raise ValidationError(field_errors={"scopes": [_("Choose at least one scope.")]})
    return sorted(set(scopes))


def api_token_create(*, actor: User, name: str, scopes: list[str], expires_in_days: int) -> NewToken:
    """A new token of the actor's own, acting as them within `scopes` for `expires_in_days` days (one of
    EXPIRY_DAYS_CHOICES). Raises ValidationError (nothing saved) for a missing or overlong name, an unknown or
    empty scope list or another expiry; PermissionDenied for a person who may not hold tokens."""
    if not can_own_tokens(actor):
        raise PermissionDenied(_("You may not create API tokens."))
    fields = {"name": _clean_name(name), "scopes": _clean_scopes(scopes)}
    if expires_in_days not in EXPIRY_DAYS_CHOICES:
        raise ValidationError(field_errors={"expires_in_days": [_("Choose one of the offered expiry periods.")]})
    prefix = secrets.token_hex(6)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        _within_limits(actor)
        token = ApiToken.objects.create(
            user=actor,
            prefix=prefix,
            digest=_digest(plaintext),
            expires_at=now() + dt.timedelta(days=expires_in_days),
            **fields,
        )
        audit_record(actor=actor, action=AuditAction.CREATED, instance=token, changes=_audited(token))
    return NewToken(token=token, plaintext=plaintext)


def _within_limits(actor: User) -> None:
    """Refuse a token over the person's limits (in the caller's transaction, their user row locked)."""
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
    moment = now()
    recent = ApiToken.objects.filter(user=actor, created_at__gte=moment - dt.timedelta(hours=1)).count()
    if recent >= CREATED_PER_HOUR:
        raise ValidationError(
            _("You created %(n)d tokens in the last hour, the most there may be; try again later.")
            % {"n": CREATED_PER_HOUR}
        )
    usable = ApiToken.objects.filter(user=actor, revoked_at__isnull=True, expires_at__gt=moment).count()
    if usable >= USABLE_AT_ONCE:
        raise ValidationError(
            _("You hold %(n)d usable tokens, the most there may be: revoke one you no longer use.")
            % {"n": USABLE_AT_ONCE}
        )


def _audited(token: ApiToken) -> dict[str, dict[str, object]]:
    return {
        "name": {"before": None, "after": token.name},
        "scopes": {"before": None, "after": token.scopes},
        "expires_at": {"before": None, "after": token.expires_at.isoformat()},
    }


def api_tokens_of(*, actor: User) -> list[ApiToken]:
    """The actor's own tokens, newest first, revoked ones included (so they can see what was revoked when)."""
    return list(ApiToken.objects.filter(user=actor).order_by("-created_at", "-id"))


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens at once; revoking a revoked token changes nothing. NotFound for a token
    of someone else's (the same answer as for a missing one)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or not can_manage_token(actor, token):
            raise NotFound(_("No such token."))
        if token.revoked_at is None:
            token.revoked_at = now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.CHANGED,
                instance=token,
                changes={"revoked_at": {"before": None, "after": token.revoked_at.isoformat()}},
            )
    return token


def token_authenticate(presented: str) -> ApiToken | None:
    """The usable token `presented` is, with its person, or None. Records the time of use (at most once a
    minute, so a busy script does not write on every request) and audits the first use of each day: of
    simultaneous first requests, only the one whose conditional update wins records it."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or "\x00" in presented:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(presented)):
        return None
    if not token.is_usable() or not token.user.is_active:
        return None
    moment, previous = now(), token.last_used_at
    if previous is None or moment - previous >= LAST_USED_PRECISION:
        unchanged = ApiToken.objects.filter(pk=token.pk, last_used_at=previous)
        installation = timezone.get_default_timezone()  # not the time zone a request may have activated
        if previous is not None and timezone.localdate(previous, installation) == timezone.localdate(
            moment, installation
        ):
            unchanged.update(last_used_at=moment)
        else:
            with transaction.atomic():  # the day's first use: its audit entry stands or falls with the update
                if unchanged.update(last_used_at=moment):
                    audit_record(actor=token.user, action=AuditAction.TOKEN_USED, instance=token, changes={})
        token.last_used_at = moment
    return token
