"""Knowledge articles (capability 10): the service team reads those of the desk (internal ones too, with their
owner and review date); a customer those the portal shows them — published, customer-facing, for every customer
or for their organisation — and of the organisations an article is for, only their own."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import PersonSerializer, SluggedSerializer, page_of
from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.models import Article


class ArticleSerializer(serializers.Serializer[Any]):
    """One article; the owner and the review date are the service team's (null for customers)."""

    id = serializers.IntegerField()
    slug = serializers.SlugField(help_text="The article's address; its id works as well.")
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    body_html = serializers.CharField(help_text="Sanitised HTML.")
    audience = serializers.ChoiceField(choices=Audience.choices)
    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    for_all_customers = serializers.BooleanField()
    organisations = serializers.SerializerMethodField()
    product = serializers.CharField()
    version_from = serializers.CharField()
    version_to = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    owner = serializers.SerializerMethodField()
    review_due = serializers.SerializerMethodField()

    def get_url(self, article: Article) -> str:
        return reverse("api:v1:article", kwargs={"ref": article.slug})

    def _staff(self) -> bool:
        return self.context["organisations"] is None

    @extend_schema_field(SluggedSerializer(many=True))
    def get_organisations(self, article: Article) -> list[dict[str, str]]:
        """The organisations it is for (empty when for every customer); a customer is told only of their own."""
        told: frozenset[int] | None = self.context["organisations"]
        rows = sorted(article.chosen.all(), key=lambda row: row.organisation.name)
        return [
            {"slug": row.organisation.slug, "name": row.organisation.name}
            for row in rows
            if told is None or row.organisation_id in told
        ]

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_owner(self, article: Article) -> dict[str, Any] | None:
        if not self._staff() or article.owner is None:
            return None
        return dict(PersonSerializer(article.owner).data)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_review_due(self, article: Article) -> str | None:
        if not self._staff() or article.review_due is None:
            return None
        return article.review_due.isoformat()


ArticlePageSerializer = page_of("ArticlePage", ArticleSerializer)
