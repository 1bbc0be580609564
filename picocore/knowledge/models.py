"""Knowledge articles: who they are for (audience; every customer or chosen organisations), what they apply to
(a product and version range, components), who keeps them current (owner, review date), their versions and
their files.

Each save of an article's text makes a new `ArticleVersion` (never changed afterwards); the article keeps a
copy of its newest version's title and text (for lists and the search index) and points to the version
customers read (`published_version`). `body_text` is the plain text of the sanitised HTML, for indexing."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from picocore.core.clock import now
from picocore.core.models import TimeStampedModel
from picocore.knowledge.choices import ArticleEventKind, ArticleStatus, Audience

TITLE_MAX = 200
SLUG_MAX = 80
VERSION_MAX = 60
PRODUCT_MAX = 120
SUMMARY_MAX = 300


class Article(TimeStampedModel):
    """One article. Published and customer-facing, it is read in the portal by the customers it is meant for:
    every customer (`for_all_customers`), or the organisations chosen (`ArticleOrganisation`)."""

    slug = models.SlugField(_("address"), max_length=SLUG_MAX, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body_html = models.TextField(_("text"), blank=True)
    body_text = models.TextField(_("text as plain text"), blank=True, editable=False)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.INTERNAL)
    status = models.CharField(_("status"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    for_all_customers = models.BooleanField(_("for every customer"), default=True)
    organisations = models.ManyToManyField(
        "tenancy.Organisation", through="ArticleOrganisation", related_name="knowledge_articles", blank=True
    )
    product = models.CharField(
        _("product"), max_length=PRODUCT_MAX, blank=True, help_text=_("e.g. Akeneo: matches the solutions' product")
    )
    version_from = models.CharField(_("from version"), max_length=VERSION_MAX, blank=True)
    version_to = models.CharField(_("to version"), max_length=VERSION_MAX, blank=True)
    components = models.ManyToManyField("cmdb.Component", through="ArticleComponent", related_name="+", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_due = models.DateField(_("review by"), null=True, blank=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_number = models.PositiveIntegerField(_("latest version"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    source_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    personal_data_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    personal_data_checked_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "audience", "published_at"], name="article_portal_list"),
            models.Index(fields=["updated_at", "id"], name="article_desk_list"),
            models.Index(fields=["review_due"], name="article_review_due", condition=~Q(status=ArticleStatus.ARCHIVED)),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleOrganisation(models.Model):
    """An organisation an article is meant for, when it is not for every customer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="chosen")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("organisation of an article")
        verbose_name_plural = _("organisations of articles")
        constraints = [models.UniqueConstraint(fields=["article", "organisation"], name="article_organisation_unique")]
        indexes = [models.Index(fields=["organisation", "article"], name="article_org_lookup")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.organisation_id}"


class ArticleComponent(models.Model):
    """A component an article applies to (it carries the component's organisation, for tenancy)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="applies_to")
    component = models.ForeignKey("cmdb.Component", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+", editable=False)

    class Meta:
        verbose_name = _("component of an article")
        verbose_name_plural = _("components of articles")
        constraints = [models.UniqueConstraint(fields=["article", "component"], name="article_component_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.component_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A copy of the component's organisation, kept for tenancy filters; it is never chosen.
        self.organisation_id = self.component.organisation_id
        super().save(*args, **kwargs)


class ArticleVersion(models.Model):
    """One saved text of an article: numbered from 1, never changed once written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body_html = models.TextField(_("text"), blank=True)
    body_text = models.TextField(_("text as plain text"), blank=True)
    summary = models.CharField(_("what changed"), max_length=SUMMARY_MAX, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("saved"), default=now, editable=False)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleEvent(models.Model):
    """One entry of an article's history besides its versions: published, reviewed, archived, a file added."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=ArticleEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version_number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=SUMMARY_MAX, blank=True)
    created_at = models.DateTimeField(_("when"), default=now, editable=False)

    class Meta:
        verbose_name = _("article history entry")
        verbose_name_plural = _("article history entries")
        ordering = ["article", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def article_file_path(instance: "ArticleAttachment", filename: str) -> str:
    # A random directory per file: names never collide and cannot be guessed; the original name is a column.
    return f"knowledge/{instance.article_id}/{uuid.uuid4().hex}/{filename}"


class ArticleAttachment(models.Model):
    """A file of an article, served only to the people who may read the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=article_file_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added"), default=now)

    class Meta:
        verbose_name = _("article file")
        verbose_name_plural = _("article files")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename
