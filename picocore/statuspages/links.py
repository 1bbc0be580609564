"""The signed links of status pages, signed with the installation's secret so they cannot be made up:

- the page link (`?token=`) names an organisation and carries its page's `link_salt` in the signing salt, so
  rotating the salt revokes every link handed out before;
- a subscriber's unsubscribe and confirm links sign its random token, each with its own salt, so one cannot
  be turned into the other.

No database access here; the caller compares what a token names with the rows it reads.
"""

from django.core import signing

PAGE_SALT = "picocore.statuspages.page-link"
UNSUBSCRIBE_SALT = "picocore.statuspages.unsubscribe"
CONFIRM_SALT = "picocore.statuspages.confirm"
TOKEN_MAX_LENGTH = 300


def _readable(token: object) -> bool:
    return isinstance(token, str) and 0 < len(token) <= TOKEN_MAX_LENGTH and "\x00" not in token


def page_token(*, organisation_id: int, link_salt: str) -> str:
    """The signed link token of an organisation's page while its salt is `link_salt`."""
    return signing.dumps(organisation_id, salt=f"{PAGE_SALT}:{link_salt}", compress=False)


def page_token_valid(token: object, *, organisation_id: int, link_salt: str) -> bool:
    """Whether `token` is the page link of this organisation under its current salt (tampered, made up, revoked
    and another organisation's tokens are all refused)."""
    if not _readable(token):
        return False
    try:
        value = signing.loads(str(token), salt=f"{PAGE_SALT}:{link_salt}")
    except signing.BadSignature:
        return False
    return type(value) is int and value == organisation_id


def _sign(token: str, salt: str) -> str:
    return signing.Signer(salt=salt).sign(token)


def _unsign(signed: object, salt: str) -> str | None:
    if not _readable(signed):
        return None
    try:
        return signing.Signer(salt=salt).unsign(str(signed))
    except signing.BadSignature:
        return None


def unsubscribe_token(subscriber_token: str) -> str:
    return _sign(subscriber_token, UNSUBSCRIBE_SALT)


def unsubscribe_target(signed: object) -> str | None:
    """The subscriber token an unsubscribe link names, or None for anything not signed by us."""
    return _unsign(signed, UNSUBSCRIBE_SALT)


def confirm_token(subscriber_token: str) -> str:
    return _sign(subscriber_token, CONFIRM_SALT)


def confirm_target(signed: object) -> str | None:
    """The subscriber token a confirm link names, or None for anything not signed by us."""
    return _unsign(signed, CONFIRM_SALT)
