"""Recording a requester's rating of a resolution: from the resolution e-mail's signed link without signing in,
or signed in on the request's page.

Guarantees: only the request's requester rates, while they may still see the request; only the ticket's latest
resolution (a new resolution replaces the earlier one's link and form) and only within a week of it; one rating
per requester and resolution (sending again, or twice at once, changes that one rating); the score is checked
against the scale of the tier in force at the resolution; text from outside is cleaned and cut to fit; a low score
asks the service managers who may see the request to follow up, once per rating, in the same transaction.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.contracts.selectors import kept_contract_in_force
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.text import without_nul
from picocore.notifications.models import NotificationKind
from picocore.notifications.services import notify
from picocore.satisfaction.links import VALID_FOR, LinkRefused, read_token
from picocore.satisfaction.models import SCALE, Rating
from picocore.satisfaction.permissions import may_rate
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket, TicketEvent
from picocore.tickets.permissions import ticket_access

COMMENT_MAX = Rating._meta.get_field("comment").max_length or 2000
REFUSED = gettext_lazy("This rating link cannot be used: it is not valid, or its week has passed.")
SUPERSEDED = gettext_lazy(
    "This request was resolved again after this link was sent: please rate the latest resolution, from its e-mail "
    "or the request's page."
)


def rating_scale(ticket: Ticket, at: dt.datetime) -> int:
    """The top score a resolution of the ticket at `at` is rated on: the scale of the tier in force then (3 or 5),
    SCALE without a contract. No query once the organisation's contracts are known."""
    contract = kept_contract_in_force(organisation=ticket.organisation, at=at)
    scale = contract.tier.rating_scale if contract is not None else SCALE
    return scale if 1 < scale <= SCALE else SCALE


def low_score(scale: int = SCALE) -> int:
    """Scores at or below this ask for a follow-up: setting PICOCORE_RATING_LOW (default 2) on the 1–5 scale, and
    the same share of a shorter scale, at least 1 (2 of 5 is low; on 1–3 only 1 is, 2 being the middle)."""
    low = int(getattr(settings, "PICOCORE_RATING_LOW", 2))
    return max(1, low * scale // SCALE)


def rating_open_until(resolution: TicketEvent) -> dt.datetime:
    """The moment after which a rating of this resolution can no longer be given or changed."""
    return resolution.created_at + VALID_FOR


def latest_resolution_id(ticket: Ticket) -> int | None:
    """The id of the ticket's latest change to resolved (one query), None if it never was resolved."""
    return (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )


def rated_resolution(token: str) -> tuple[TicketEvent, User]:
    """The resolution and requester a link names, if it may still be used; NotFound otherwise (SUPERSEDED once
    the ticket was resolved again: the link was signed for this requester, so telling them why is safe)."""
    try:
        resolution_id, requester_id = read_token(token)
    except LinkRefused:
        raise NotFound(str(REFUSED)) from None
    event = (
        TicketEvent.objects.select_related("ticket__organisation", "ticket__requester")
        .filter(pk=resolution_id, kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED)
        .first()
    )
    if event is None or event.ticket.requester_id != requester_id:
        raise NotFound(str(REFUSED))
    requester = event.ticket.requester
    if requester is None or not may_rate(requester, event.ticket) or now() > rating_open_until(event):
        raise NotFound(str(REFUSED))
    if latest_resolution_id(event.ticket) != event.pk:
        raise NotFound(str(SUPERSEDED))
    return event, requester


def rating_record_from_link(*, token: str, score: object, comment: str = "") -> Rating:
    """Record (or change) the rating the signed link allows, as the requester it names; `score` on the scale of
    the resolution's tier. NotFound for a link that may not be used, ValidationError for a score off the scale."""
    event, requester = rated_resolution(token)
    return _record(resolution=event, requester=requester, score=score, comment=comment)


def rating_record(*, actor: User, ticket: Ticket, resolution_id: object, score: object, comment: str = "") -> Rating:
    """Record (or change) the signed-in requester's rating of the ticket's latest resolution, the one the page they
    sent it from showed (`resolution_id`). PermissionDenied for anyone but the requester; ValidationError when
    the request is not resolved, was resolved again since the page was shown, the week has passed, or the score
    is off the scale."""
    access = ticket_access(actor, ticket)
    if not access.sees:
        raise NotFound(_("There is no request with that key, or it is not yours to see."))
    if not may_rate(actor, ticket, access=access):
        raise PermissionDenied(_("Only the person who asked for %(key)s rates its resolution.") % {"key": ticket.key})
    latest = latest_resolution_id(ticket)
    if latest is None or ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError(_("%(key)s is not resolved: there is nothing to rate yet.") % {"key": ticket.key})
    if resolution_id != latest:
        raise ValidationError(
            _("%(key)s was resolved again since this page was shown: nothing was recorded, rate the latest resolution.")
            % {"key": ticket.key}
        )
    resolution = TicketEvent.objects.select_related("ticket__organisation").get(pk=latest)
    return _record(resolution=resolution, requester=actor, score=score, comment=comment)


def _record(*, resolution: TicketEvent, requester: User, score: object, comment: str) -> Rating:
    ticket = resolution.ticket
    moment = now()
    until = rating_open_until(resolution)
    if moment > until:
        ended = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        raise ValidationError(
            _("Ratings of this resolution could be given or changed until %(until)s; nothing was recorded.")
            % {"until": ended}
        )
    scale = rating_scale(ticket, resolution.created_at)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= scale:
        raise ValidationError(field_errors={"score": [_("Choose a score from 1 to %(scale)s.") % {"scale": scale}]})
    comment = without_nul(comment or "").strip()[:COMMENT_MAX]
    with transaction.atomic():
        # A second submission (a double click, a second tab) finds the row the first made: the unique constraint
        # on (resolution, requester) makes a concurrent insert fail, and get_or_create then reads the winner's row.
        rating, created = Rating.objects.select_for_update().get_or_create(
            resolution=resolution, requester=requester,
            defaults={"organisation_id": ticket.organisation_id, "ticket": ticket, "team_id": ticket.team_id,
                      "assignee_id": ticket.assignee_id, "score": score, "scale": scale, "comment": comment,
                      "created_at": moment, "updated_at": moment},
        )  # fmt: skip
        if not created:
            rating.score, rating.scale, rating.comment, rating.updated_at = score, scale, comment, moment
            rating.save(update_fields=["score", "scale", "comment", "updated_at"])
        if score <= low_score(scale) and rating.follow_up_at is None:
            rating.follow_up_at = moment
            rating.save(update_fields=["follow_up_at"])
            _ask_for_follow_up(rating, moment)
    return rating


def _follow_up_title_now(values: dict[str, object]) -> str:
    return _("Rated %(score)s of %(scale)s: %(key)s — please follow up") % values


# Lazy: each manager reads the title in their own language.
_follow_up_title = lazy(_follow_up_title_now, str)


def _ask_for_follow_up(rating: Rating, moment: dt.datetime) -> None:
    managers = list(User.objects.filter(is_active=True, staff_role=StaffRole.SERVICE_MANAGER))
    values = {"score": rating.score, "scale": rating.scale, "key": rating.ticket.key}
    notify(
        users=managers,
        kind=NotificationKind.LOW_RATING,
        key=f"low-rating:{rating.pk}",
        title=_follow_up_title(values),
        body=rating.comment,
        ticket=rating.ticket,
    )
