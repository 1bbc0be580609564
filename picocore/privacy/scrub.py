"""Rewriting a person's name and e-mail address wherever the database holds them as text.

`scrub` walks every text, character and JSON column of every installed model (but the few that have their own
rules: the person's own row, the audit trail with its hash chain, sessions), finds the rows that mention any of
the texts with one query per table, rewrites each mention as a whole word, case-insensitively, into its
replacement (cut to the column's length), and writes the rows back in bulk: `UPDATE`s that the database's own
full-text triggers and generated columns follow, so the search indexes forget the texts in the same
transaction. Append-only tables (the timeline) are rewritten through a plain queryset: erasure is the one
rewrite they allow.
"""

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

BATCH = 500

# Rows kept by their own rules: the person (anonymised field by field), the audit trail (through
# `audit_redact_person`, which keeps its chain valid), sessions (ended, not rewritten), and Django's registries.
SKIPPED_MODELS = frozenset(
    {
        "tenancy.User",
        "audit.AuditEntry",
        "audit.AuditChainHead",
        "sessions.Session",
        "contenttypes.ContentType",
        "auth.Permission",
    }
)

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


@dataclass(frozen=True)
class Redaction:
    """Texts to find (as whole words, any case) and what each becomes."""

    replacements: Mapping[str, str]

    @property
    def pattern(self) -> re.Pattern[str]:
        texts = sorted(self.replacements, key=len, reverse=True)
        return re.compile("|".join(rf"(?<!\w){re.escape(text)}(?!\w)" for text in texts), re.IGNORECASE)

    def forms(self) -> set[str]:
        """What a query looks for: each text as typed, and as JSON escapes it (SQLite keeps JSON with
        non-ASCII letters written as \\u escapes)."""
        return {form for text in self.replacements for form in (text, json.dumps(text)[1:-1])}

    def rewriter(self) -> Callable[[Any], Any]:
        pattern = self.pattern
        lowered = {text.lower(): replacement for text, replacement in self.replacements.items()}

        def rewrite(value: Any) -> Any:
            if isinstance(value, str):
                return pattern.sub(lambda match: lowered.get(match.group(0).lower(), ""), value)
            if isinstance(value, list):
                return [rewrite(item) for item in value]
            if isinstance(value, dict):
                return {rewrite(key): rewrite(item) for key, item in value.items()}
            return value

        return rewrite


def redaction(replacements: Mapping[str, str]) -> Redaction | None:
    """The redaction of the non-blank texts (None when none is left)."""
    kept = {text.strip(): new for text, new in replacements.items() if text and text.strip()}
    return Redaction(kept) if kept else None


def text_columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's own text, character and JSON columns."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_FIELDS) and not field.primary_key and field.model is model
    ]


def scrubbed_models() -> Iterable[type[models.Model]]:
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label in SKIPPED_MODELS:
            continue
        if text_columns(model):
            yield model


def mentions(
    queryset: models.QuerySet[Any], fields: list[models.Field[Any, Any]], found: Redaction
) -> models.QuerySet[Any]:
    """The rows of `queryset` whose `fields` mention any of the texts (maybe only as part of a longer word)."""
    condition = Q()
    aliases: dict[str, Any] = {}
    for field in fields:
        lookup = field.attname
        if isinstance(field, models.JSONField):
            lookup = f"scrub_{field.attname}_text"
            aliases[lookup] = Cast(field.attname, models.TextField())
        for form in found.forms():
            condition |= Q(**{f"{lookup}__icontains": form})
    matching: models.QuerySet[Any] = queryset.alias(**aliases).filter(condition)
    return matching


def scrub_queryset(queryset: models.QuerySet[Any], found: Redaction, fields: list[models.Field[Any, Any]]) -> int:
    """Rewrite the mentions in `fields` of the rows of `queryset`; returns how many rows changed."""
    model = queryset.model
    rewrite = found.rewriter()
    plain: models.QuerySet[Any] = models.QuerySet(model=model, using=queryset.db)  # past append-only managers
    names = [field.name for field in fields]
    rows = mentions(queryset, fields, found).only("pk", *names).order_by("pk")
    changed, batch = 0, []
    for row in rows.iterator(chunk_size=BATCH):
        dirty = False
        for field in fields:
            before = getattr(row, field.attname)
            after = rewrite(before)
            if isinstance(after, str) and field.max_length:
                after = after[: field.max_length]
            if after != before:
                setattr(row, field.attname, after)
                dirty = True
        if dirty:
            batch.append(row)
            changed += 1
        if len(batch) >= BATCH:
            plain.bulk_update(batch, names)
            batch = []
    if batch:
        plain.bulk_update(batch, names)
    return changed


def scrub(found: Redaction) -> dict[str, int]:
    """Rewrite the mentions in every model's text columns; returns the rows changed per model label."""
    counts: dict[str, int] = {}
    for model in scrubbed_models():
        changed = scrub_queryset(model._default_manager.all(), found, text_columns(model))
        if changed:
            counts[model._meta.label] = changed
    return counts


def scrub_rows_of(model: type[models.Model], pks: list[int], found: Redaction) -> dict[str, int]:
    """Rewrite the mentions in the text columns of the rows `pks` of `model` and of every row of another model
    that points at one of them (a request's timeline, e-mails, notifications, time entries…); returns the rows
    changed per model label. Rows of `model` that point at them (a request merged into one) are their own."""
    counts: dict[str, int] = {}
    for related in scrubbed_models():
        links = [
            field.name
            for field in related._meta.concrete_fields
            if field.is_relation and field.related_model is model and related is not model
        ]
        condition = Q(pk__in=pks) if related is model else Q()
        for link in links:
            condition |= Q(**{f"{link}__in": pks})
        if not condition:
            continue
        changed = scrub_queryset(related._default_manager.filter(condition), found, text_columns(related))
        if changed:
            counts[related._meta.label] = changed
    return counts


def plain_queryset[M: models.Model](model: type[M]) -> models.QuerySet[M]:
    """All rows of `model` through Django's own queryset, past a manager that refuses updates (the timeline's)."""
    rows: models.QuerySet[M] = models.QuerySet(model=model)
    return rows
