"""Recording a requester's rating of a resolution from a signed link, without signing in.

Guarantees: only the requester the link was made for rates, only the resolution it names, only while they may
still see the request and within a week of the resolution; one rating per requester and resolution (a second
visit changes it); text from outside is cleaned and cut to fit; a low score asks the service managers to
follow up, once per rating, in the same transaction.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.core.clock import now
from picocore.core.errors import NotFound, ValidationError
from picocore.core.text import without_nul
from picocore.notifications.models import NotificationKind
from picocore.notifications.services import notify
from picocore.satisfaction.links import VALID_FOR, LinkRefused, read_token
from picocore.satisfaction.models import SCALE, Rating
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import User
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import TicketEvent
from picocore.tickets.permissions import ticket_access

COMMENT_MAX = Rating._meta.get_field("comment").max_length or 2000
REFUSED = gettext_lazy("This rating link cannot be used: it is not valid, or its week has passed.")


def low_score() -> int:
    """Scores at or below this ask for a follow-up (setting PICOCORE_RATING_LOW, default 2)."""
    return int(getattr(settings, "PICOCORE_RATING_LOW", 2))


def rated_resolution(token: str) -> tuple[TicketEvent, User]:
    """The resolution and requester a link names, if it may still be used; NotFound otherwise."""
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
    if requester is None or not requester.is_active or now() - event.created_at > VALID_FOR:
        raise NotFound(str(REFUSED))
    if not ticket_access(requester, event.ticket).follows:
        raise NotFound(str(REFUSED))
    return event, requester


def rating_record(*, token: str, score: object, comment: str = "") -> Rating:
    """Record (or change) the rating the link allows; `score` from 1 to SCALE."""
    event, requester = rated_resolution(token)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= SCALE:
        raise ValidationError(field_errors={"score": [_("Choose a score from 1 to %(scale)s.") % {"scale": SCALE}]})
    comment = without_nul(comment or "").strip()[:COMMENT_MAX]
    ticket = event.ticket
    moment = now()
    with transaction.atomic():
        rating, created = Rating.objects.select_for_update().get_or_create(
            resolution=event, requester=requester,
            defaults={"organisation_id": ticket.organisation_id, "ticket": ticket, "team_id": ticket.team_id,
                      "assignee_id": ticket.assignee_id, "score": score, "comment": comment, "created_at": moment,
                      "updated_at": moment},
        )  # fmt: skip
        if not created:
            rating.score, rating.comment, rating.updated_at = score, comment, moment
            rating.save(update_fields=["score", "comment", "updated_at"])
        if score <= low_score() and rating.follow_up_at is None:
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
    values = {"score": rating.score, "scale": SCALE, "key": rating.ticket.key}
    notify(
        users=managers,
        kind=NotificationKind.LOW_RATING,
        key=f"low-rating:{rating.pk}",
        title=_follow_up_title(values),
        body=rating.comment,
        ticket=rating.ticket,
    )
