"""The service team's reviews: `/desk/reviews/` — every review of the customers they serve; service managers
write the summary and the proposals of a draft and send it. Each view parses its input, calls one selector or
service, and renders; a review of a customer the person does not serve is the same 404 as a missing one."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.desk.views import desk_page
from picocore.desk.views.common import filter_id
from picocore.reviews import selectors
from picocore.reviews.forms import ReviewTextForm, parse_month
from picocore.reviews.models import ServiceReview
from picocore.reviews.pdf import pdf_response
from picocore.reviews.permissions import can_send, can_write
from picocore.reviews.services import review_send, review_update
from picocore.tenancy.http import AuthenticatedRequest


@require_GET
@desk_page
def desk_reviews(request: AuthenticatedRequest) -> HttpResponse:
    """The list, filtered by customer and month; a filter that cannot be read is named (400), not ignored."""
    problems: list[str] = []
    organisation = filter_id(request, "organisation", problems, _("Choose a customer from the list."))
    month, problem = parse_month(request.GET.get("month", ""))
    if problem:
        problems.append(problem)
    listing = selectors.desk_review_list(actor=request.user, organisation=organisation, month=month)
    context = {
        "nav": "reviews",
        "listing": listing,
        "organisation": organisation,
        "month": f"{month:%Y-%m}" if month else request.GET.get("month", "")[:20],
        "problems": problems,
    }
    return render(request, "reviews/desk_list.html", context, status=400 if problems else 200)


def _desk_context(request: AuthenticatedRequest, review: ServiceReview, form: ReviewTextForm, error: str = "") -> dict:
    """The review page's context; `error` says why an action on it was refused."""
    return {
        "error": error,
        "nav": "reviews",
        "review": review,
        "snapshot": selectors.snapshot_of(review),
        "form": form,
        "may_write": can_write(request.user, review),
        "may_send": can_send(request.user, review),
        "pdf_url": reverse("desk:review_pdf", args=[review.pk]),
    }


def _text_form(review: ServiceReview) -> ReviewTextForm:
    return ReviewTextForm(initial={"summary": review.summary, "proposals": review.proposals})


@require_http_methods(["GET", "POST"])
@desk_page
def desk_review(request: AuthenticatedRequest, review_id: int) -> HttpResponse:
    """The review; a service manager's POST saves the summary and proposals of a draft."""
    try:
        review = selectors.desk_review_get(actor=request.user, review_id=review_id)
    except NotFound:
        raise Http404 from None
    if request.method == "GET":
        form = _text_form(review)
        return render(request, "reviews/desk_detail.html", _desk_context(request, review, form))
    form = ReviewTextForm(request.POST)
    if form.is_valid():
        try:
            review_update(
                actor=request.user,
                review_id=review.pk,
                summary=form.cleaned_data["summary"],
                proposals=form.cleaned_data["proposals"],
            )
        except ValidationError as error:
            for field, errors in error.field_errors.items():
                for message in errors:
                    form.add_error(field, message)
        except (PermissionDenied, InvalidTransition) as error:
            context = _desk_context(request, review, form, error=error.message)
            return render(request, "reviews/desk_detail.html", context, status=error.status_code)
        else:
            messages.success(request, _("The summary and the proposals are saved."))
            return redirect(reverse("desk:review", args=[review.pk]))
    return render(request, "reviews/desk_detail.html", _desk_context(request, review, form), status=400)


@require_POST
@desk_page
def desk_review_send(request: AuthenticatedRequest, review_id: int) -> HttpResponse:
    """Send the draft to the customer's admins; a second click finds it sent and sends nothing. Refused, the
    review's page says why (403, as for saving its draft)."""
    try:
        review, queued = review_send(actor=request.user, review_id=review_id)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as refused:
        review = selectors.desk_review_get(actor=request.user, review_id=review_id)
        form = _text_form(review)
        context = _desk_context(request, review, form, error=refused.message)
        return render(request, "reviews/desk_detail.html", context, status=refused.status_code)
    except (InvalidTransition, ValidationError) as error:
        messages.error(request, error.message)
        return redirect(reverse("desk:review", args=[review_id]))
    if queued:
        message = ngettext(
            "The review is sent to %(count)s customer admin and is now frozen.",
            "The review is sent to %(count)s customer admins and is now frozen.",
            queued,
        ) % {"count": queued}
        messages.success(request, message)
    else:
        messages.info(request, _("This review was already sent; nothing was sent again."))
    return redirect(reverse("desk:review", args=[review.pk]))


@require_GET
@desk_page
def desk_review_pdf(request: AuthenticatedRequest, review_id: int) -> HttpResponse:
    try:
        review = selectors.desk_review_get(actor=request.user, review_id=review_id)
    except NotFound:
        raise Http404 from None
    return pdf_response(review)
