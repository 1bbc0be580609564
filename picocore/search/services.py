"""Recording what was suggested to a customer writing a request, what they opened, and what came of it.

Every function acts only on the actor's own suggestions (another person's id is the same as a missing one)
and is idempotent: suggesting a thing again while the customer types, a second click, a form posted twice
record nothing new.
"""

from collections.abc import Sequence

from django.db import transaction

from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.search.choices import SuggestionOutcome
from picocore.search.models import Suggestion
from picocore.search.suggestions import Found
from picocore.tenancy.models import Organisation, User
from picocore.tickets.models import Submission

DRAFT_MAX = 64


def suggestions_record(
    *, actor: User, organisation: Organisation, draft: str, found: Sequence[Found]
) -> dict[tuple[str, int], Suggestion]:
    """The suggestion rows of what was found for this draft, made for those suggested the first time (one
    row per draft and thing: a unique constraint holds it against concurrent requests), by kind and id."""
    draft = draft.replace("\x00", "")[:DRAFT_MAX]
    if not draft or not found:
        return {}
    rows = [
        Suggestion(organisation=organisation, actor=actor, draft=draft, kind=hit.kind, object_id=hit.object_id)
        for hit in found
    ]
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)
    stored = Suggestion.objects.filter(
        actor=actor, draft=draft, kind__in={hit.kind for hit in found}, object_id__in={hit.object_id for hit in found}
    )
    return {(row.kind, row.object_id): row for row in stored}


def _own(actor: User, suggestion_id: int) -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().filter(pk=suggestion_id, actor=actor).first()
    if suggestion is None:
        raise NotFound("There is no such suggestion.")
    return suggestion


def suggestion_open(*, actor: User, suggestion_id: int) -> Suggestion:
    """The customer opened the suggestion (the first time is kept)."""
    with transaction.atomic():
        suggestion = _own(actor, suggestion_id)
        if suggestion.opened_at is None:
            suggestion.opened_at = now()
            suggestion.save(update_fields=["opened_at"])
    return suggestion


def suggestion_solved(*, actor: User, suggestion_id: int) -> Suggestion:
    """The customer said the suggestion solved their problem: the request they were writing is not needed.
    Kept once; once the request was sent anyway, nothing changes (what happened first counts)."""
    with transaction.atomic():
        suggestion = _own(actor, suggestion_id)
        sent = Submission.objects.filter(actor=actor, token=suggestion.draft, ticket__isnull=False).exists()
        if suggestion.outcome == SuggestionOutcome.PENDING and not sent:
            at = now()
            suggestion.outcome, suggestion.decided_at = SuggestionOutcome.SOLVED, at
            suggestion.opened_at = suggestion.opened_at or at
            suggestion.save(update_fields=["outcome", "decided_at", "opened_at"])
    return suggestion
