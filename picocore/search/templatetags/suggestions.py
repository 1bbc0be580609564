"""`{% suggestion_feedback %}`: on a page a customer opened from a suggestion (its link carries
`?suggested=<id>`), the question whether it solved their problem."""

from typing import Any

from django import template

from picocore.core.params import parse_id
from picocore.search.choices import SuggestionOutcome
from picocore.search.models import Suggestion

register = template.Library()


@register.inclusion_tag("search/partials/suggestion_feedback.html", takes_context=True)
def suggestion_feedback(context: dict[str, Any]) -> dict[str, Any]:
    """The person's own suggestion still without an answer, if the page was opened from it (one query then;
    none otherwise)."""
    request = context.get("request")
    if request is None:
        return {"suggestion": None}
    suggestion_id = parse_id(request.GET.get("suggested", ""))
    suggestion = None
    if suggestion_id is not None and request.user.is_authenticated:
        suggestion = Suggestion.objects.filter(
            pk=suggestion_id, actor=request.user, outcome=SuggestionOutcome.PENDING
        ).first()
    return {"suggestion": suggestion, "csrf_token": context.get("csrf_token")}
