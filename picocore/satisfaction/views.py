"""The rating page a resolution e-mail links to: no sign-in, the link itself says who rates what."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from picocore.core.errors import NotFound, ValidationError
from picocore.core.params import parse_id
from picocore.satisfaction.models import Rating
from picocore.satisfaction.services import rated_resolution, rating_record_from_link, rating_scale


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the scores of the tier's scale with the one from the e-mail's link chosen; POST: record it (and an
    optional comment)."""
    try:
        event, requester = rated_resolution(token)
    except NotFound as refused:
        return render(request, "satisfaction/refused.html", {"message": refused.message}, status=404)
    existing = Rating.objects.filter(resolution=event, requester=requester).first()
    scores = range(1, rating_scale(event.ticket, event.created_at) + 1)
    context = {"ticket": event.ticket, "scale": scores, "rating": existing, "errors": {}}
    if request.method == "POST":
        score = parse_id(request.POST.get("score", ""))
        comment = request.POST.get("comment", "")
        try:
            rating = rating_record_from_link(token=token, score=score, comment=comment)
        except NotFound as refused:
            return render(request, "satisfaction/refused.html", {"message": refused.message}, status=404)
        except ValidationError as invalid:
            errors = invalid.field_errors or {"score": [invalid.message]}
            context |= {"errors": errors, "chosen": score, "comment": comment[:2000]}
            return render(request, "satisfaction/rate.html", context, status=400)
        return render(request, "satisfaction/thanks.html", {"ticket": event.ticket, "rating": rating})
    chosen = parse_id(request.GET.get("score", "")) or (existing.score if existing else None)
    context |= {
        "chosen": chosen if chosen in scores else None,
        "comment": existing.comment if existing else "",
    }
    return render(request, "satisfaction/rate.html", context)
