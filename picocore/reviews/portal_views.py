"""The customer's service reviews: `/portal/reviews/` for the organisation's customer admins — the reviews
sent to them, each with its PDF. Anyone else of the organisation is told who sees them; another organisation's
review, a draft, or a review for someone who may not see it is the same 404 as one that does not exist."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from picocore.core.errors import NotFound
from picocore.portal.context import portal_memberships
from picocore.portal.views import portal_page
from picocore.reviews import selectors
from picocore.reviews.models import ServiceReview
from picocore.reviews.pdf import pdf_response
from picocore.reviews.permissions import can_read_as_customer
from picocore.tenancy.http import AuthenticatedRequest


@require_GET
@portal_page
def portal_reviews(request: AuthenticatedRequest, membership) -> HttpResponse:
    context = {"membership": membership, "memberships": portal_memberships(request), "nav": "reviews"}
    if not can_read_as_customer(request.user, membership.organisation, role=membership.role):
        # Nothing here is secret: the page says who sees the organisation's reviews (as the hours page does).
        return render(request, "reviews/portal_unavailable.html", context)
    context["reviews"] = selectors.portal_review_list(actor=request.user, membership=membership)
    return render(request, "reviews/portal_list.html", context)


def _portal_review(request: AuthenticatedRequest, membership, review_id: int) -> ServiceReview:
    try:
        return selectors.portal_review_get(actor=request.user, membership=membership, review_id=review_id)
    except NotFound:
        raise Http404 from None


@require_GET
@portal_page
def portal_review(request: AuthenticatedRequest, review_id: int, membership) -> HttpResponse:
    review = _portal_review(request, membership, review_id)
    context = {
        "membership": membership,
        "memberships": portal_memberships(request),
        "nav": "reviews",
        "review": review,
        "snapshot": selectors.snapshot_of(review),
        "pdf_url": reverse("portal:review_pdf", args=[review.pk]),
    }
    return render(request, "reviews/portal_detail.html", context)


@require_GET
@portal_page
def portal_review_pdf(request: AuthenticatedRequest, review_id: int, membership) -> HttpResponse:
    return pdf_response(_portal_review(request, membership, review_id))
