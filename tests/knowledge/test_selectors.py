"""Who reads which article: customers only published customer-facing ones for every customer or their own
organisation (another organisation's chosen article, an internal one, a draft or an archived one is the same
NotFound as a missing one); the desk by the customers served; overdue reviews; constant query counts."""

import datetime as dt

import pytest

from picocore.core.errors import NotFound
from picocore.knowledge.choices import Audience
from picocore.knowledge.selectors import (
    ArticleFilters,
    article_detail,
    article_version,
    articles_due_for_review,
    desk_articles,
    portal_article_get,
    portal_articles,
)
from picocore.knowledge.services import ArticleFields, article_archive, article_update
from picocore.tenancy.scope import reach
from tests import factories
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(kw):
    """Every kind of article: for everyone, internal, ACME's only, Nord's only, a draft, an archived one."""
    made = {
        "everyone": make_article(kw, title="Re-run a failed import"),
        "internal": make_article(kw, title="Restart the importer's worker", audience=Audience.INTERNAL),
        "acme": make_article(kw, title="ACME's price feed", organisations=(kw.acme.organisation,)),
        "nord": make_article(kw, title="Nord's catalogue sync", organisations=(kw.nord.organisation,)),
        "draft": make_article(kw, title="Clearing the CDN", published=False),
        "archived": make_article(kw, title="Old export"),
    }
    article_archive(actor=kw.manager, article_id=made["archived"].pk)
    return made


def test_a_customer_reads_published_customer_facing_articles_for_everyone_and_their_organisation(kw, articles):
    listing = portal_articles(actor=kw.acme.requester, organisation=kw.acme.organisation)
    assert [row.article.title for row in listing.articles] == ["ACME's price feed", "Re-run a failed import"]
    nord = portal_articles(actor=kw.nord.requester, organisation=kw.nord.organisation)
    assert [row.article.title for row in nord.articles] == ["Nord's catalogue sync", "Re-run a failed import"]


def test_a_customer_gets_the_same_not_found_for_what_is_not_theirs(kw, articles):
    def refusal(ref):
        with pytest.raises(NotFound) as refused:
            portal_article_get(actor=kw.acme.requester, organisation=kw.acme.organisation, ref=ref)
        return refused.value.message

    missing = refusal(999_999)
    for name in ("internal", "nord", "draft", "archived"):
        assert refusal(articles[name].pk) == missing, name
        assert refusal(articles[name].slug) == missing, name
    assert refusal("no-such-article") == missing
    assert refusal("x" * 500) == missing
    assert portal_article_get(actor=kw.acme.requester, organisation=kw.acme.organisation,
                              ref=articles["acme"].slug).article.pk == articles["acme"].pk  # fmt: skip


def test_no_one_reads_through_an_organisation_they_do_not_belong_to(kw, articles):
    assert portal_articles(actor=kw.nord.requester, organisation=kw.acme.organisation).articles == []
    with pytest.raises(NotFound):
        portal_article_get(actor=kw.nord.requester, organisation=kw.acme.organisation, ref=articles["acme"].pk)
    with pytest.raises(NotFound):  # staff read the desk's pages, not the portal's
        portal_article_get(actor=kw.consultant, organisation=kw.acme.organisation, ref=articles["everyone"].pk)


def test_the_text_filter_and_the_solution_filter(kw, articles):
    versioned = make_article(kw, title="Akeneo 7 upgrade notes", product="Akeneo", version_from="7", version_to="7")
    make_article(kw, title="Akeneo 8 preview", product="Akeneo", version_from="8")
    component = make_article(kw, title="The importer job", organisations=(kw.acme.organisation,),
                             component_ids=[kw.importer.pk])  # fmt: skip
    text = portal_articles(actor=kw.acme.requester, organisation=kw.acme.organisation, text="  FAILED import ")
    assert [row.article.title for row in text.articles] == ["Re-run a failed import"]
    solution = kw.acme.solution  # "ACME PIM" on Akeneo 7
    by_solution = portal_articles(actor=kw.acme.requester, organisation=kw.acme.organisation, solution=solution.pk)
    assert [row.article.pk for row in by_solution.articles] == [component.pk, versioned.pk]
    assert [[s.pk for s in row.solutions] for row in by_solution.articles] == [[solution.pk], [solution.pk]]
    assert [c.name for c in by_solution.articles[0].components] == ["Product importer"]
    # Nord's contacts never see ACME's component named on an article for everyone either.
    # ("importer" also finds the articles for everyone about an import: full-text search reads word forms.)
    nord = portal_articles(actor=kw.nord.requester, organisation=kw.nord.organisation, text="importer")
    assert "The importer job" not in [row.article.title for row in nord.articles]
    assert [c.name for row in nord.articles for c in row.components] == []


def test_the_desk_shows_articles_by_the_customers_served(kw, articles):
    page = desk_articles(actor=kw.outsider, filters=ArticleFilters())
    assert {row.title for row in page.rows} == {
        "Re-run a failed import", "Restart the importer's worker", "Nord's catalogue sync", "Clearing the CDN",
        "Old export"}  # fmt: skip
    with pytest.raises(NotFound):
        article_detail(actor=kw.outsider, article_id=articles["acme"].pk)
    for person in (kw.acme.requester, kw.desk.developer):
        assert desk_articles(actor=person, filters=ArticleFilters()).rows == []
        with pytest.raises(NotFound):
            article_detail(actor=person, article_id=articles["everyone"].pk)
    assert len(desk_articles(actor=kw.consultant, filters=ArticleFilters()).rows) == 6


def test_the_desk_filters(kw, articles):
    def titles(**filters):
        return [row.title for row in desk_articles(actor=kw.manager, filters=ArticleFilters(**filters)).rows]

    assert titles(audience=Audience.INTERNAL) == ["Restart the importer's worker"]
    assert titles(status="draft") == ["Clearing the CDN"]
    assert titles(owner_id=kw.consultant.pk) == []
    assert len(titles(owner_id=kw.manager.pk)) == 6
    assert titles(text="catalogue") == ["Nord's catalogue sync"]
    assert titles(overdue=True) == []
    article_update(actor=kw.manager, article_id=articles["internal"].pk, fields=ArticleFields(
        title="Restart the importer's worker", body_html=articles["internal"].body_html, audience=Audience.INTERNAL,
        review_due=dt.date(2020, 1, 1)))  # fmt: skip
    assert titles(overdue=True) == ["Restart the importer's worker"]


def test_overdue_reviews_are_listed_most_overdue_first_without_archived_ones(kw, articles):
    for name, day in (("internal", dt.date(2021, 1, 1)), ("acme", dt.date(2020, 1, 1))):
        article_update(
            actor=kw.manager,
            article_id=articles[name].pk,
            fields=ArticleFields(
                title=articles[name].title,
                body_html=articles[name].body_html,
                audience=articles[name].audience,
                for_all_customers=articles[name].for_all_customers,
                organisation_ids=list(articles[name].chosen.values_list("organisation_id", flat=True)),
                review_due=day,
            ),
        )
    from picocore.knowledge.models import Article

    Article.objects.filter(pk=articles["archived"].pk).update(review_due=dt.date(2019, 1, 1))
    assert [a.title for a in articles_due_for_review(actor=kw.manager)] == [
        "ACME's price feed",
        "Restart the importer's worker",
    ]
    assert [a.title for a in articles_due_for_review(actor=kw.outsider)] == ["Restart the importer's worker"]


def test_a_version_shows_what_changed(kw):
    article = make_article(kw, title="Steps", body="<p>One</p><p>Two</p>")
    article_update(
        actor=kw.manager,
        article_id=article.pk,
        fields=ArticleFields(
            title="Steps", body_html="<p>One</p><p>Three</p>", audience=article.audience, summary="Third"
        ),
    )
    _article, view = article_version(actor=kw.consultant, article_id=article.pk, number=2)
    assert (view.version.number, view.previous.number, view.version.summary) == (2, 1, "Third")
    assert [(line.op, line.text) for line in view.changes] == [
        ("same", "Steps"),
        ("same", ""),
        ("same", "One"),
        ("same", ""),
        ("removed", "Two"),
        ("added", "Three"),
    ]
    with pytest.raises(NotFound):
        article_version(actor=kw.consultant, article_id=article.pk, number=3)


@pytest.mark.parametrize("more", [0, 8])
def test_the_selectors_run_a_constant_number_of_queries(kw, django_assert_num_queries, more):
    article = make_article(kw, organisations=(kw.acme.organisation,), component_ids=[kw.importer.pk])
    for number in range(more):
        make_article(kw, title=f"Article {number}", organisations=(kw.acme.organisation, kw.nord.organisation))
        article_update(actor=kw.manager, article_id=article.pk, fields=ArticleFields(
            title=f"Version {number}", body_html=article.body_html, audience=article.audience, for_all_customers=False,
            organisation_ids=[kw.acme.organisation.pk], component_ids=[kw.importer.pk]))  # fmt: skip
    factories.SolutionFactory(organisation=kw.acme.organisation, name="ACME Web", product="Umbraco 13")
    requester, manager = kw.acme.requester, kw.manager
    reach(requester), reach(manager)  # read once per request, with the session's user
    with django_assert_num_queries(3):
        portal_articles(actor=requester, organisation=kw.acme.organisation)
    with django_assert_num_queries(4):
        portal_article_get(actor=requester, organisation=kw.acme.organisation, ref=article.pk)
    with django_assert_num_queries(2):
        desk_articles(actor=manager, filters=ArticleFilters())
    with django_assert_num_queries(1):
        articles_due_for_review(actor=manager)
    with django_assert_num_queries(6):
        article_detail(actor=manager, article_id=article.pk)
