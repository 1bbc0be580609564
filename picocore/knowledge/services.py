"""Writing knowledge articles. Each service takes an `actor=`, checks `permissions` before it writes, owns its
transaction, and records the article's history (a version for each new text, an event for the rest) and the
audit entry with the write. A refused call changes nothing.

Guarantees: an article's HTML is stored sanitised (`content.sanitise`) with its plain text beside it; every
save of a new title or text is a new `ArticleVersion`, and a published article's `published_version` is its
newest; an article made from a ticket's resolution is published only once someone has confirmed that they
removed the personal data from it."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.text import slugify
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record
from picocore.cmdb.models import Component
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.core.text import one_line, truncate
from picocore.knowledge import content, permissions, states
from picocore.knowledge.choices import ArticleEventKind, ArticleStatus, Audience
from picocore.knowledge.models import (
    PRODUCT_MAX,
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    VERSION_MAX,
    Article,
    ArticleAttachment,
    ArticleComponent,
    ArticleEvent,
    ArticleOrganisation,
    ArticleVersion,
)
from picocore.tenancy.models import Organisation, User
from picocore.tickets.attachments import check_uploads, store_files
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import TicketEvent
from picocore.tickets.queues import desk_tickets

BODY_MAX = 100_000
REVIEW_EVERY = dt.timedelta(days=180)
# Addresses the portal keeps for itself beside /portal/knowledge/<slug>/ (e.g. known issues): never a slug.
RESERVED_SLUGS = frozenset({"known-issues", "new", "search", "files", "suggestions"})
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)


def not_found() -> NotFound:
    return NotFound(_("There is no such article, or it is not yours to see."))


@dataclass(frozen=True)
class ArticleFields:
    """What the desk's article form sets. `organisation_ids` matter when not `for_all_customers`;
    `component_ids` must be components of those organisations."""

    title: str
    body_html: str = ""
    audience: str = Audience.INTERNAL
    for_all_customers: bool = True
    organisation_ids: list[int] = field(default_factory=list)
    product: str = ""
    version_from: str = ""
    version_to: str = ""
    component_ids: list[int] = field(default_factory=list)
    owner_id: int | None = None
    review_due: dt.date | None = None
    summary: str = ""


def today() -> dt.date:
    return timezone.localdate(now())


def _text(errors: dict[str, list[str]], name: str, value: object, *, limit: int, required: bool = False,
          line: bool = False) -> str:  # fmt: skip
    """`value` stripped (on one line with `line`), or an error noted for `name`: not text, NUL, too long,
    missing."""
    if not isinstance(value, str | None):
        errors[name] = [_("Give this as text.")]
        return ""
    text = (value or "").strip()
    if "\x00" in text:
        errors[name] = [_("Remove the NUL character (\\0) from the text.")]
        return ""
    if line:
        text = one_line(text)
    if len(text) > limit:
        errors[name] = [_("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"}]
    elif required and not text:
        errors[name] = [_("This is required.")]
    return text


@dataclass(frozen=True)
class _Clean:
    title: str
    body_html: str
    body_text: str
    product: str
    version_from: str
    version_to: str
    summary: str
    organisation_ids: list[int]
    component_ids: list[int]


def _clean(actor: User, fields: ArticleFields, *, keep_organisations: frozenset[int] = frozenset()) -> _Clean:
    """The fields checked and tidied, or ValidationError naming each field that cannot be taken.
    `keep_organisations`: chosen organisations the article already has (kept even if the actor does not serve
    them; the caller checked the actor may edit it)."""
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", fields.title, limit=TITLE_MAX, required=True, line=True)
    raw = fields.body_html if isinstance(fields.body_html, str) else ""
    if len(raw) > BODY_MAX:
        errors["body_html"] = [_("Keep it under %(limit)s characters.") % {"limit": f"{BODY_MAX:,}"}]
    body_html = content.sanitise(raw[:BODY_MAX])
    body_text = content.plain_text(body_html)
    product = _text(errors, "product", fields.product, limit=PRODUCT_MAX, line=True)
    version_from = _text(errors, "version_from", fields.version_from, limit=VERSION_MAX, line=True)
    version_to = _text(errors, "version_to", fields.version_to, limit=VERSION_MAX, line=True)
    for name, version in (("version_from", version_from), ("version_to", version_to)):
        if version and content.version_key(version) is None and name not in errors:
            errors[name] = [_("Give a version number, e.g. 7 or 7.1.")]
    low, high = content.version_key(version_from), content.version_key(version_to)
    if low is not None and high is not None and low > high:
        errors["version_to"] = [_("The last version comes after the first.")]
    if (version_from or version_to) and not product:
        errors["product"] = [_("Name the product the versions are of.")]
    summary = _text(errors, "summary", fields.summary, limit=SUMMARY_MAX, line=True)
    if fields.audience not in Audience.values:
        errors["audience"] = [_("Choose who the article is for.")]
    organisation_ids = sorted({pk for pk in fields.organisation_ids if isinstance(pk, int)})
    component_ids = sorted({pk for pk in fields.component_ids if isinstance(pk, int)})
    if fields.for_all_customers:
        organisation_ids = []
        if component_ids:
            errors["components"] = [_("Components belong to a customer: choose the customers the article is for.")]
    elif not organisation_ids:
        errors["organisations"] = [_("Choose the customers the article is for, or make it for every customer.")]
    new = set(organisation_ids) - keep_organisations
    if any(not permissions.may_choose_organisation(actor, pk) for pk in new) or (
        new and Organisation.objects.filter(pk__in=sorted(new)).count() != len(new)
    ):
        errors["organisations"] = [_("Choose customers you serve.")]
    if component_ids:
        found = Component.objects.filter(pk__in=component_ids, organisation_id__in=organisation_ids).count()
        if found != len(component_ids):
            errors["components"] = [_("Choose components of the customers the article is for.")]
    if (
        fields.owner_id is not None
        and not User.objects.filter(pk=fields.owner_id, is_active=True, staff_role__in=permissions.WRITERS).exists()
    ):
        errors["owner"] = [_("Choose a member of the service team.")]
    if fields.review_due is not None and not isinstance(fields.review_due, dt.date):
        errors["review_due"] = [_("Give a date.")]
    if errors:
        raise ValidationError(field_errors=errors)
    return _Clean(title, body_html, body_text, product, version_from, version_to, summary, organisation_ids,
                  component_ids)  # fmt: skip


def _unique_slug(title: str) -> str:
    base = slugify(title)[: SLUG_MAX - 8].strip("-") or "article"
    if base.isdigit() or base in RESERVED_SLUGS:
        base = f"article-{base}"
    taken = set(Article.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _event(article: Article, kind: str, actor: User | None, *, version: int | None = None, detail: str = "") -> None:
    ArticleEvent.objects.create(
        article=article, kind=kind, actor=actor if actor and actor.pk else None, version_number=version,
        detail=truncate(detail, SUMMARY_MAX),
    )  # fmt: skip


def _new_version(article: Article, clean: _Clean, actor: User) -> ArticleVersion:
    article.latest_number += 1
    version = ArticleVersion.objects.create(
        article=article, number=article.latest_number, title=clean.title, body_html=clean.body_html,
        body_text=clean.body_text, summary=clean.summary, author=actor,
    )  # fmt: skip
    article.title, article.body_html, article.body_text = clean.title, clean.body_html, clean.body_text
    if article.status == ArticleStatus.PUBLISHED:
        article.published_version = version
    return version


def _set_relations(article: Article, clean: _Clean) -> None:
    ArticleOrganisation.objects.filter(article=article).exclude(organisation_id__in=clean.organisation_ids).delete()
    have = set(ArticleOrganisation.objects.filter(article=article).values_list("organisation_id", flat=True))
    ArticleOrganisation.objects.bulk_create(
        [ArticleOrganisation(article=article, organisation_id=pk) for pk in clean.organisation_ids if pk not in have]
    )
    ArticleComponent.objects.filter(article=article).exclude(component_id__in=clean.component_ids).delete()
    have = set(ArticleComponent.objects.filter(article=article).values_list("component_id", flat=True))
    for component in Component.objects.filter(pk__in=[pk for pk in clean.component_ids if pk not in have]):
        ArticleComponent.objects.create(article=article, component=component)


def _snapshot(article: Article) -> dict[str, object]:
    return {
        "title": article.title, "audience": article.audience, "status": article.status,
        "for_all_customers": article.for_all_customers,
        "organisations": sorted(ArticleOrganisation.objects.filter(article=article).values_list("organisation_id",
                                                                                                 flat=True)),
        "product": article.product, "version_from": article.version_from, "version_to": article.version_to,
        "components": sorted(ArticleComponent.objects.filter(article=article).values_list("component_id", flat=True)),
        "owner": article.owner_id, "review_due": article.review_due.isoformat() if article.review_due else None,
        "version": article.latest_number,
    }  # fmt: skip


def _changes(before: dict[str, object], after: dict[str, object]) -> dict[str, dict[str, object]]:
    return {name: {"before": before.get(name), "after": value} for name, value in after.items()
            if before.get(name) != value}  # fmt: skip


def article_create(*, actor: User, fields: ArticleFields, source_ticket_id: int | None = None) -> Article:
    """A draft article with its first version; the owner is the actor unless another is named, and the review
    is due in six months unless a date is given."""
    if not permissions.is_writer(actor):
        raise PermissionDenied(_("Only the service team writes knowledge articles."))
    clean = _clean(actor, fields)
    with transaction.atomic():
        article = Article(
            slug=_unique_slug(clean.title), audience=fields.audience, status=ArticleStatus.DRAFT,
            for_all_customers=fields.for_all_customers, product=clean.product, version_from=clean.version_from,
            version_to=clean.version_to, owner_id=fields.owner_id or actor.pk,
            review_due=fields.review_due or today() + REVIEW_EVERY, created_by=actor,
            source_ticket_id=source_ticket_id,
        )  # fmt: skip
        article.title = clean.title
        article.save()
        _new_version(article, clean, actor)
        article.save(update_fields=["latest_number", "title", "body_html", "body_text"])
        _set_relations(article, clean)
        _event(article, ArticleEventKind.CREATED, actor, version=article.latest_number, detail=clean.summary)
        audit_record(
            actor=actor, action=AuditAction.CREATED, instance=article, changes=_changes({}, _snapshot(article))
        )
    return article


def _locked(actor: User, article_id: int) -> tuple[Article, list[int]]:
    """The article, locked for this transaction, if the actor may edit it (NotFound when they may not see it,
    as for a missing one; PermissionDenied when they see it but may not edit it), and its chosen organisations."""
    article = (
        Article.objects.select_for_update(of=("self",)).filter(pk=article_id).first()
        if isinstance(article_id, int)
        else None
    )
    if article is None:
        raise not_found()
    organisation_ids = sorted(
        ArticleOrganisation.objects.filter(article=article).values_list("organisation_id", flat=True)
    )
    if not permissions.can_read_as_staff(actor, article, organisation_ids):
        raise not_found()
    if not permissions.can_edit(actor, article, organisation_ids):
        raise PermissionDenied(_("Only the staff serving every customer the article is for may change it."))
    return article, organisation_ids


def article_update(*, actor: User, article_id: int, fields: ArticleFields) -> Article:
    """Save the form: a new version when the title or text changed (a published article then shows it at once),
    the rest in place; one history entry and one audit entry. Saving what is already there records nothing."""
    with transaction.atomic():
        article, organisation_ids = _locked(actor, article_id)
        if article.status == ArticleStatus.ARCHIVED:
            raise InvalidTransition(_("An archived article is not edited: publish it again first."))
        clean = _clean(actor, fields, keep_organisations=frozenset(organisation_ids))
        before = _snapshot(article)
        new_text = (clean.title, clean.body_html) != (article.title, article.body_html)
        owner_id = fields.owner_id or article.owner_id
        review_due = fields.review_due or article.review_due
        after = {
            **before, "title": clean.title, "audience": fields.audience, "for_all_customers": fields.for_all_customers,
            "organisations": clean.organisation_ids, "product": clean.product, "version_from": clean.version_from,
            "version_to": clean.version_to, "components": clean.component_ids, "owner": owner_id,
            "review_due": review_due.isoformat() if review_due else None,
            "version": article.latest_number + 1 if new_text else article.latest_number,
        }  # fmt: skip
        if after == before:
            return article
        if new_text:
            _new_version(article, clean, actor)
        article.audience, article.for_all_customers = fields.audience, fields.for_all_customers
        article.product, article.version_from, article.version_to = (
            clean.product, clean.version_from, clean.version_to
        )  # fmt: skip
        article.owner_id, article.review_due = owner_id, review_due
        article.save()
        _set_relations(article, clean)
        _event(article, ArticleEventKind.EDITED, actor, version=article.latest_number if new_text else None,
               detail=clean.summary)  # fmt: skip
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=article, changes=_changes(before, after))
    return article


def needs_personal_data_check(article: Article) -> bool:
    """An article made from a ticket, whose personal data nobody has yet confirmed removing."""
    return article.source_ticket_id is not None and article.personal_data_checked_at is None


def article_publish(*, actor: User, article_id: int, personal_data_removed: bool = False) -> Article:
    """Publish a draft (or an archived article again): its newest version is the one read. An article made from
    a ticket needs `personal_data_removed` (the person confirms they removed the requester's personal data)."""
    with transaction.atomic():
        article, _organisation_ids = _locked(actor, article_id)
        if not states.allowed(article.status, ArticleStatus.PUBLISHED):
            raise InvalidTransition(_("This article is published already."))
        if needs_personal_data_check(article):
            if personal_data_removed is not True:
                raise ValidationError(field_errors={"personal_data_removed": [
                    _("Confirm that you removed the personal data of the ticket (names, e-mail addresses, the "
                      "customer's name) before publishing.")]})  # fmt: skip
            article.personal_data_checked_by, article.personal_data_checked_at = actor, now()
        before = article.status
        article.status = ArticleStatus.PUBLISHED
        article.published_version = ArticleVersion.objects.get(article=article, number=article.latest_number)
        article.published_at = now()
        article.save()
        _event(article, ArticleEventKind.PUBLISHED, actor, version=article.latest_number)
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=article,
                     changes={"status": {"before": before, "after": article.status}})  # fmt: skip
    return article


def article_archive(*, actor: User, article_id: int) -> Article:
    """Take the article out of use: customers no longer read it; its history stays."""
    with transaction.atomic():
        article, _organisation_ids = _locked(actor, article_id)
        if not states.allowed(article.status, ArticleStatus.ARCHIVED):
            raise InvalidTransition(_("This article is archived already."))
        before = article.status
        article.status = ArticleStatus.ARCHIVED
        article.save()
        _event(article, ArticleEventKind.ARCHIVED, actor)
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=article,
                     changes={"status": {"before": before, "after": article.status}})  # fmt: skip
    return article


def article_mark_reviewed(*, actor: User, article_id: int, next_review: dt.date | None = None) -> Article:
    """The article was read and is still right: the next review is due on `next_review` (after today), or in
    six months."""
    due = next_review or today() + REVIEW_EVERY
    if not isinstance(due, dt.date) or due <= today():
        raise ValidationError(field_errors={"next_review": [_("Choose a day after today for the next review.")]})
    with transaction.atomic():
        article, _organisation_ids = _locked(actor, article_id)
        if article.status == ArticleStatus.ARCHIVED:
            raise InvalidTransition(_("An archived article is not reviewed."))
        before = article.review_due
        article.review_due, article.last_reviewed_at = due, now()
        article.save(update_fields=["review_due", "last_reviewed_at", "updated_at"])
        _event(article, ArticleEventKind.REVIEWED, actor, detail=due.isoformat())
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=article, changes={
            "review_due": {"before": before.isoformat() if before else None, "after": due.isoformat()}})  # fmt: skip
    return article


def article_attach(*, actor: User, article_id: int, files: list[UploadedFile[bytes]]) -> list[ArticleAttachment]:
    """Add files to the article, checked as a ticket's are (type, size, count); all or none."""
    uploads = check_uploads(files)
    if not uploads:
        raise ValidationError(field_errors={"attachments": [_("Choose a file to add.")]})
    made: list[ArticleAttachment] = []
    with transaction.atomic():
        article, _organisation_ids = _locked(actor, article_id)
        storage = ArticleAttachment._meta.get_field("file").storage

        def save(record) -> None:  # type: ignore[no-untyped-def]
            for upload in uploads:
                attachment = ArticleAttachment(
                    article=article,
                    filename=upload.filename,
                    content_type=upload.content_type,
                    size=upload.size,
                    uploaded_by=actor,
                )
                attachment.file.save(upload.filename, upload.file, save=False)
                if attachment.file.name:
                    record(attachment.file.name)
                attachment.save()
                made.append(attachment)

        store_files(storage, save)
        _event(article, ArticleEventKind.ATTACHED, actor, detail=", ".join(a.filename for a in made))
        article.save(update_fields=["updated_at"])
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=article,
                     changes={"attachments": {"before": None, "after": [a.filename for a in made]}})  # fmt: skip
    return made


def resolution_note(ticket_id: int) -> str:
    """The note of the ticket's latest resolution ("" if there is none)."""
    event = (
        TicketEvent.objects.filter(ticket_id=ticket_id, kind=EventKind.STATUS_CHANGED, data__after=Status.RESOLVED)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    return event or ""


def article_from_ticket(*, actor: User, ticket_id: int) -> Article:
    """A draft internal article for the ticket's organisation, from its title and resolution note, recording
    the ticket as its source; the draft asks for the personal data to be removed before it is published. A
    ticket already made into an article (not archived) opens that one. Only resolved or closed tickets of an
    organisation the actor serves."""
    ticket = desk_tickets(actor=actor).select_related("organisation").filter(pk=ticket_id).first()
    if ticket is None or not permissions.is_writer(actor):
        raise NotFound(_("There is no such ticket, or it is not yours to work on."))
    if ticket.status not in RESOLVED_STATUSES:
        raise InvalidTransition(_("%(key)s is not resolved yet: an article is made from its resolution.")
                                % {"key": ticket.key})  # fmt: skip
    with transaction.atomic():
        existing = (
            Article.objects.filter(source_ticket_id=ticket.pk).exclude(status=ArticleStatus.ARCHIVED).order_by("id")
        ).first()
        if existing is not None:
            return existing
        note = resolution_note(ticket.pk)
        fields = ArticleFields(
            title=truncate(one_line(ticket.title), TITLE_MAX),
            body_html=linebreaks(note[:BODY_MAX], autoescape=True),
            audience=Audience.INTERNAL,
            for_all_customers=False,
            organisation_ids=[ticket.organisation_id],
            summary=truncate(_("Made from the resolution of %(key)s") % {"key": ticket.key}, SUMMARY_MAX),
        )
        return article_create(actor=actor, fields=fields, source_ticket_id=ticket.pk)
