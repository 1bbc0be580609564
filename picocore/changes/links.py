"""The signed one-time link in an approver's e-mail: it names one `ApprovalRequest` (and its round), signed with
the installation's secret, so it cannot be made up or pointed at another request.

Guarantees: a tampered or made-up token, a link whose request is gone or belongs to an earlier round, an expired
link (`expires_at` passed) and a used one (`used_at` set: decided once, by link or in the portal) are each refused
with their own reason; reading a link never changes anything (only deciding through it sets `used_at`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from picocore.changes.models import ApprovalRequest
from picocore.core.clock import now

SALT = "picocore.changes.approval-link"
TOKEN_MAX_LENGTH = 200


class LinkRefused(Exception):
    """The link cannot be used; `message` says why, for the person who followed it."""

    def __init__(self, message: str, *, request: ApprovalRequest | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


@dataclass(frozen=True)
class LinkTarget:
    request_id: int
    round: int


def link_token(request: ApprovalRequest) -> str:
    """The signed token naming the request; the same request always gives the same token."""
    return signing.dumps([request.pk, request.round], salt=SALT, compress=False)


def link_url(request: ApprovalRequest) -> str:
    return settings.PICOCORE_BASE_URL.rstrip("/") + reverse("changes_public:approval_link", args=[link_token(request)])


def link_target(token: str) -> LinkTarget:
    """What a token names, if it is one of ours; refuses anything tampered with or made up."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH or "\x00" in token:
        raise LinkRefused(_("This approval link is not valid. Use the link from the e-mail exactly as it came."))
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkRefused(
            _("This approval link is not valid. Use the link from the e-mail exactly as it came.")
        ) from None
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise LinkRefused(_("This approval link is not valid. Use the link from the e-mail exactly as it came."))
    return LinkTarget(request_id=value[0], round=value[1])


def link_request(token: str, *, for_update: bool = False) -> ApprovalRequest:
    """The request a valid, unused, unexpired link of the change's current round names (locked when
    `for_update`, inside the caller's transaction); `LinkRefused` with the reason otherwise."""
    target = link_target(token)
    requests = ApprovalRequest.objects.select_related("change", "contact", "change__organisation")
    if for_update:
        requests = requests.select_for_update(of=("self",))
    request = requests.filter(pk=target.request_id, round=target.round).first()
    if request is None:
        raise LinkRefused(_("This approval link is not valid any more: the change was withdrawn or changed."))
    if request.round != request.change.approval_round:
        raise LinkRefused(
            _("This approval link is for an earlier request; a newer one was sent for %(key)s.")
            % {"key": request.change.key},
            request=request,
        )
    if request.used_at is not None:
        raise LinkRefused(
            _("This approval link was already used on %(when)s; nothing more was changed.")
            % {"when": request.used_at.strftime("%Y-%m-%d %H:%M UTC")},
            request=request,
        )
    if request.expires_at <= now():
        raise LinkRefused(
            _("This approval link expired on %(when)s. Ask the service team for a new one, or decide in the portal.")
            % {"when": request.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
            request=request,
        )
    return request
