from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.search.choices import SuggestionKind, SuggestionOutcome


class Suggestion(models.Model):
    """One thing suggested to one customer while they wrote one request (the draft: the new-request form's
    token), whether they opened it, and whether they said it solved their problem. One row per draft and
    thing, however often it was suggested again while they typed. Whether they sent the request anyway is not
    stored here: the form's `tickets.Submission` (same person, same token) says so, written with the ticket."""

    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draft = models.CharField(_("draft"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=SuggestionKind.choices)
    object_id = models.PositiveBigIntegerField(_("suggested object"))
    shown_at = models.DateTimeField(_("suggested"), default=now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=SuggestionOutcome.choices, blank=True)
    decided_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.UniqueConstraint(fields=["actor", "draft", "kind", "object_id"], name="suggestion_once_per_draft")
        ]
        indexes = [models.Index(fields=["kind", "object_id", "shown_at"], name="suggestion_item_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} for {self.draft}"
