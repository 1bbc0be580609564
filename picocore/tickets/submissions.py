"""One submission, one result: a form carries a token made when it was shown, and the services that create
(a ticket, a reply, a note) record it under a unique constraint in the same transaction as what they create.

A repeat of a committed submission finds it and returns the same result; a parallel repeat waits on the
constraint until the first commits, then finds it likewise; if the first rolled back, the repeat goes ahead.
"""

from django.db import IntegrityError, transaction

from picocore.core.text import without_nul
from picocore.tenancy.models import User
from picocore.tickets.models import Submission

TOKEN_MAX_LENGTH = Submission._meta.get_field("token").max_length


def clean_token(token: str | None) -> str:
    """The token as stored ("" when there is none: that submission is not deduplicated)."""
    return without_nul(token or "").strip()[:TOKEN_MAX_LENGTH]


def submission_get(*, actor: User, token: str) -> Submission | None:
    """The committed submission of `actor` with `token`, with what it created; None without a token."""
    if not token:
        return None
    return Submission.objects.select_related("ticket", "event").filter(actor=actor, token=token).first()


def submission_claim(*, actor: User, token: str) -> Submission | None:
    """Inside the caller's transaction: record this submission and return it, or return None when the same
    submission already exists (after waiting for a parallel one to commit). Call `submission_get` then."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the conflict
            return Submission.objects.create(actor=actor, token=token)
    except IntegrityError:
        return None
