"""/api/v1/articles/: the knowledge articles the person reads — the service team those of the desk (internal and
drafts included, for every customer or for one it serves), customers those of the portal (published,
customer-facing, for every customer or for one of their organisations) — the most recently changed first, and
one by id or address. Any other article is absent from the list and 404, the same answer as for one that does
not exist. Developers read none."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import api_article_get, api_article_organisations, api_articles
from picocore.api.serializers.articles import ArticlePageSerializer, ArticleSerializer
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.views.base import ApiView
from picocore.knowledge.models import Article, ArticleOrganisation

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]
REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="The article's id or address (slug).")


def _with_organisations(articles: list[Article]) -> None:
    """The chosen organisations of the articles, in one query."""
    if articles:
        chosen = ArticleOrganisation.objects.select_related("organisation")
        prefetch_related_objects(articles, Prefetch("chosen", chosen))


class ArticleListView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(parameters=PAGE, responses={200: ArticlePageSerializer, **ERRORS}, operation_id="articles_list")
    def get(self, request: Request) -> Response:
        articles = api_articles(actor=self.actor).select_related("owner")
        page = api_page(request, articles, field="updated_at", descending=True)
        _with_organisations(page.rows)
        context = {"organisations": api_article_organisations(actor=self.actor)}
        return Response(paginated(request, page, list(ArticleSerializer(page.rows, many=True, context=context).data)))


class ArticleDetailView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(
        parameters=[REF], responses={200: ArticleSerializer, 304: None, **ERRORS}, operation_id="articles_retrieve"
    )
    def get(self, request: Request, ref: str) -> Response:
        article = api_article_get(actor=self.actor, ref=ref)
        _with_organisations([article])
        context = {"organisations": api_article_organisations(actor=self.actor)}
        chosen = ",".join(str(row.organisation_id) for row in article.chosen.all())
        staff = context["organisations"] is None
        etag = etag_for("article", article.pk, f"{article.updated_at.isoformat()}:{staff}:{chosen}")
        return tagged_response(request, etag, lambda: ArticleSerializer(article, context=context).data)
