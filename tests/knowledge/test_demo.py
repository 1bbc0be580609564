"""The demo's articles: Anna's organisation reads the import how-to, never the internal or Nordic Fashion's one,
and one article is overdue for review."""

import pytest

from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.demo import make_demo_articles
from picocore.knowledge.models import Article
from picocore.knowledge.selectors import articles_due_for_review, portal_articles
from picocore.tenancy.models import Organisation

pytestmark = pytest.mark.django_db


def test_demo_articles(kw):
    nordic = Organisation.objects.filter(pk=kw.nord.organisation.pk)
    nordic.update(slug="nordic-fashion")
    assert make_demo_articles() == 4
    assert make_demo_articles() == 0  # once
    assert sorted(Article.objects.values_list("title", "audience", "status", "for_all_customers")) == [
        ("Clearing the Umbraco cache after a content import", Audience.CUSTOMERS, ArticleStatus.PUBLISHED, True),
        ("How to re-run a failed product import", Audience.CUSTOMERS, ArticleStatus.PUBLISHED, True),
        ("Publishing a product change to the web shop at once", Audience.CUSTOMERS, ArticleStatus.PUBLISHED, False),
        ("Restart the search indexer after a deploy", Audience.INTERNAL, ArticleStatus.PUBLISHED, True),
    ]
    acme = portal_articles(actor=kw.acme.requester, organisation=kw.acme.organisation, text="import")
    assert sorted(row.article.title for row in acme.articles) == [  # both title hits: ranked by the database
        "Clearing the Umbraco cache after a content import",
        "How to re-run a failed product import",
    ]
    nord = portal_articles(actor=kw.nord.requester, organisation=kw.nord.organisation)
    assert "Publishing a product change to the web shop at once" in [row.article.title for row in nord.articles]
    assert [a.title for a in articles_due_for_review(actor=kw.manager)] == [
        "Clearing the Umbraco cache after a content import"
    ]
