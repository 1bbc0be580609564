"""The post-implementation review: what the change's implementation showed — its outcome, the incidents it
caused (tickets of the same organisation), the lessons.

Guarantees: written by the staff serving the organisation once the change is implemented (in review, failed,
or closed — a closed change's review may still be completed); a ticket of another organisation is refused
like a missing one and nothing changes; one review per change, later writes update it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.changes.choices import ChangeEventKind, ChangeStatus, Outcome
from picocore.changes.models import Change, PostImplementationReview
from picocore.changes.services.common import TEXT_MAX, clean_text, locked, raise_if, record
from picocore.core.errors import InvalidTransition, NotFound
from picocore.tenancy.models import User
from picocore.tickets.models import Ticket

REVIEWABLE = frozenset({ChangeStatus.REVIEW, ChangeStatus.FAILED, ChangeStatus.CLOSED})


def change_review_record(
    *, actor: User, change_id: int, outcome: str, lessons: str = "", incident_keys: list[str] | None = None
) -> PostImplementationReview:
    """Write (or rewrite) the change's review. `incident_keys` are ticket keys of the change's organisation."""
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose what the implementation showed.")]
    lessons = clean_text(errors, "lessons", lessons, limit=TEXT_MAX)
    keys = sorted({key.strip().upper() for key in (incident_keys or []) if isinstance(key, str) and key.strip()})
    if any("\x00" in key or len(key) > 32 for key in keys):
        errors["incidents"] = [_("Give the incidents as ticket keys, e.g. ACME-12.")]
    with transaction.atomic():
        change: Change = locked(actor, change_id)
        if change.status not in REVIEWABLE:
            raise InvalidTransition(_("%(key)s is reviewed once it is implemented.") % {"key": change.key})
        raise_if(errors)
        incidents = list(Ticket.objects.filter(key__in=keys, organisation_id=change.organisation_id).order_by("id"))
        if len(incidents) != len(keys):
            unknown = sorted(set(keys) - {t.key for t in incidents})
            raise NotFound(_("There is no ticket %(keys)s of this customer's.") % {"keys": ", ".join(unknown)})
        review = PostImplementationReview.objects.filter(change=change).first()
        before = (
            {"outcome": review.outcome, "lessons": review.lessons,
             "incidents": sorted(review.incidents.values_list("key", flat=True))}
            if review else {}
        )  # fmt: skip
        if review is None:
            review = PostImplementationReview(change=change, author=actor)
        review.outcome, review.lessons, review.author = outcome, lessons, actor
        review.save()
        review.incidents.set(incidents)
        after = {"outcome": outcome, "lessons": lessons, "incidents": keys}
        if before == after:
            return review
        record(
            change, actor=actor, kind=ChangeEventKind.REVIEW, data={"outcome": outcome, "incidents": keys},
            changes={name: {"before": before.get(name), "after": value} for name, value in after.items()
                     if before.get(name) != value},
        )  # fmt: skip
    return review
