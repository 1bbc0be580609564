"""Reading reviews: the desk's list and page (staff serving the organisation), the portal's (customer admins)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.reviews.choices import ReviewStatus
from picocore.reviews.models import ServiceReview
from picocore.reviews.permissions import can_read_as_customer
from picocore.reviews.snapshot import Snapshot
from picocore.tenancy.models import Membership, User
from picocore.tenancy.scope import served_organisations, staff_restrict
from picocore.tickets.queues import can_use_desk

LIST_LIMIT = 120


def _not_found() -> NotFound:
    return NotFound(_("There is no such service review, or it is not yours to see."))


def _reviews() -> QuerySet[ServiceReview]:
    return ServiceReview.objects.select_related("organisation", "contract__tier", "sent_by", "edited_by")


@dataclass(frozen=True)
class DeskReviewList:
    reviews: list[ServiceReview]
    organisations: list[tuple[int, str]]  # the filter's choices: those the actor serves
    more: bool  # more reviews match than are shown


def desk_review_list(*, actor: User, organisation: int | None = None, month: dt.date | None = None) -> DeskReviewList:
    """The reviews of the organisations the actor serves, newest month first, optionally of one organisation or
    month. Three queries, however many reviews."""
    if not can_use_desk(actor):
        return DeskReviewList([], [], more=False)
    reviews = staff_restrict(_reviews(), actor)
    if organisation is not None:
        reviews = reviews.filter(organisation_id=organisation)
    if month is not None:
        reviews = reviews.filter(month=month)
    rows = list(reviews.order_by("-month", "organisation__name", "id")[: LIST_LIMIT + 1])
    organisations = list(served_organisations(actor).order_by("name").values_list("id", "name"))
    return DeskReviewList(rows[:LIST_LIMIT], organisations, more=len(rows) > LIST_LIMIT)


def desk_review_get(*, actor: User, review_id: int) -> ServiceReview:
    """One review of an organisation the actor serves; NotFound otherwise (as for a missing one)."""
    review = staff_restrict(_reviews(), actor).filter(pk=review_id).first() if can_use_desk(actor) else None
    if review is None:
        raise _not_found()
    return review


def portal_review_list(*, actor: User, membership: Membership) -> list[ServiceReview]:
    """The sent reviews of the membership's organisation, for its customer admins; newest month first. Drafts
    stay with the service team until they are sent."""
    if not can_read_as_customer(actor, membership.organisation, role=membership.role):
        return []
    return list(
        _reviews().filter(organisation_id=membership.organisation_id, status=ReviewStatus.SENT).order_by("-month", "id")
    )


def portal_review_get(*, actor: User, membership: Membership, review_id: int) -> ServiceReview:
    """One sent review of the membership's organisation for its customer admins; NotFound for anyone else, for
    another organisation's review and for a draft."""
    if not can_read_as_customer(actor, membership.organisation, role=membership.role):
        raise _not_found()
    review = (
        _reviews().filter(pk=review_id, organisation_id=membership.organisation_id, status=ReviewStatus.SENT).first()
    )
    if review is None:
        raise _not_found()
    return review


def snapshot_of(review: ServiceReview) -> Snapshot:
    return Snapshot.from_data(review.snapshot)
