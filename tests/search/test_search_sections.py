"""The desk search's problems and articles, and the portal knowledge base's search of articles and known issues:
found by word, phrase, prefix and one typo, title hits first, words marked, only what the person may see, a
fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.knowledge.choices import Audience
from picocore.problems.models import Problem
from picocore.problems.services import (
    problem_component_add,
    problem_create,
    problem_publish_known_issue,
)
from picocore.search.selectors import KNOWN_ISSUES_SHOWN, SECTION_SIZE, desk_search, portal_knowledge
from picocore.tenancy.scope import reach
from tests.knowledge.support import make_article

SEARCH = reverse("desk:search")
KNOWLEDGE = reverse("portal:knowledge")


def section(results, slug: str):
    return next(s for s in results.sections if s.slug == slug)


def keys(results, slug: str) -> list[str]:
    return [hit.key or str(hit.title) for hit in section(results, slug).hits]


def acme_problem(pw, title: str, **texts) -> Problem:
    """A problem affecting ACME (through its PIM component)."""
    problem = problem_create(actor=pw.consultant, title=title, **texts)
    problem_component_add(actor=pw.consultant, problem_id=problem.pk, component_id=pw.acme_pim.pk)
    return problem


def nord_problem(pw, title: str, **texts) -> Problem:
    problem = problem_create(actor=pw.consultant, title=title, **texts)
    problem_component_add(actor=pw.consultant, problem_id=problem.pk, component_id=pw.nord_cms.pk)
    return problem


def known_issue(pw, problem: Problem, title: str, text: str) -> Problem:
    return problem_publish_known_issue(actor=pw.consultant, problem_id=problem.pk, title=title, text=text)


# The desk.


def test_problems_are_found_title_hits_first_with_their_key_link_and_snippet(pw):
    first = acme_problem(pw, "Prices stale", root_cause="The supplier <b>import</b> skips <i>updates</i>.")
    second = acme_problem(pw, "Supplier import stalls at night", description="The queue is locked.")
    results = desk_search(actor=pw.consultant, text="import")
    hits = section(results, "problems").hits
    assert [h.key for h in hits] == [second.key, first.key]
    assert (hits[0].url, hits[0].detail) == (f"/desk/problems/{second.pk}/", "New")
    assert str(hits[0].title) == "Supplier <mark>import</mark> stalls at night"
    assert (
        str(hits[1].snippet) == "The supplier &lt;b&gt;<mark>import</mark>&lt;/b&gt; skips &lt;i&gt;updates&lt;/i&gt;."
    )
    assert not section(results, "problems").more and not results.fuzzy
    assert keys(desk_search(actor=pw.consultant, text='"stalls at night"'), "problems") == [second.key]
    assert keys(desk_search(actor=pw.consultant, text=second.key.lower()), "problems") == [second.key]
    typo = desk_search(actor=pw.consultant, text="supplier improt")
    assert (keys(typo, "problems"), section(typo, "problems").fuzzy) == ([second.key, first.key], True)


def test_a_problem_is_found_only_by_who_may_see_it(pw, client):
    """Otto serves Nord only: ACME's problem is not his; a problem affecting nobody yet is everyone's on the
    service team; developers and customers see none (nor the page)."""
    acme = acme_problem(pw, "Imports stall", workaround="Run the vault import again.")
    nord = nord_problem(pw, "Vault texts lost")
    nobody = problem_create(actor=pw.consultant, title="Vault disk filling")
    found = {
        who: sorted(keys(desk_search(actor=actor, text="vault"), "problems"))
        for who, actor in (("carla", pw.consultant), ("otto", pw.outsider), ("mona", pw.manager),
                           ("dana", pw.developer), ("ada", pw.acme_developer))
    }  # fmt: skip
    everyone = sorted([acme.key, nord.key, nobody.key])
    assert found == {"carla": everyone, "otto": sorted([nord.key, nobody.key]), "mona": everyone, "dana": [],
                     "ada": []}  # fmt: skip
    client.force_login(pw.outsider)
    page = client.get(SEARCH, {"q": "imports stall"}).content.decode()
    assert "Imports stall" not in page and acme.key not in page


def test_articles_are_found_within_the_persons_scope_with_their_audience_and_status(pw):
    internal = make_article(pw, title="Vault rotation", body="<p>Rotate the vault keys.</p>", published=False,
                            audience=Audience.INTERNAL, organisations=(pw.acme.organisation,))  # fmt: skip
    shared = make_article(pw, title="Keys and passwords", body="<p>The vault holds them.</p>")
    results = desk_search(actor=pw.consultant, text="vault")
    hits = section(results, "articles").hits
    assert [str(h.title) for h in hits] == ["<mark>Vault</mark> rotation", "Keys and passwords"]
    assert [(h.url, h.detail) for h in hits] == [
        (f"/desk/knowledge/{internal.pk}/", "Internal · Draft"),
        (f"/desk/knowledge/{shared.pk}/", "Customer-facing · Published"),
    ]
    assert str(hits[1].snippet) == "The <mark>vault</mark> holds them."
    assert [str(h.title) for h in section(desk_search(actor=pw.outsider, text="vault"), "articles").hits] == [
        "Keys and passwords"
    ]
    assert section(desk_search(actor=pw.developer, text="vault"), "articles").hits == []


def test_the_page_shows_every_section_with_its_heading(pw, client):
    acme_problem(pw, "Vault import stalls")
    make_article(pw, title="Vault import how-to")
    pw.acme.ticket(title="Vault import failed")
    client.force_login(pw.consultant)
    page = client.get(SEARCH, {"q": "vault"}).content.decode()
    for slug, name in (("tickets", "Tickets"), ("problems", "Problems"), ("articles", "Articles")):
        assert f'<h2 id="results-{slug}">{name}</h2>' in page
    assert "<mark>Vault</mark> import stalls" in page and "<mark>Vault</mark> import how-to" in page


def test_a_section_says_when_only_a_typo_found_it(pw, client):
    pw.acme.ticket(title="Vault import failed")
    make_article(pw, title="Vaults explained")
    client.force_login(pw.consultant)
    page = client.get(SEARCH, {"q": "vault"}).content.decode()
    # The ticket holds "vault"; the article's "vaults" is the same word, so nothing here needed a typo.
    assert "one letter away" not in page
    make_article(pw, title="Valut spelt wrong")
    results = client.get(SEARCH, {"q": "valut"}).context["results"]
    assert (results.fuzzy, section(results, "tickets").fuzzy, section(results, "articles").fuzzy) == (
        False, True, False)  # fmt: skip


def test_the_desk_search_runs_the_same_queries_whatever_the_number_of_hits(pw, client):
    """A word the tickets' own text holds, in problems and articles too: the same number of queries for a few
    hits and for more than a page of each."""

    def grow(n: int) -> None:
        for i in range(n):
            pw.acme.ticket(title=f"Import number {i}", description="The import again.")
            acme_problem(pw, f"Import problem {i}", description="Imports again.")
            make_article(pw, title=f"Import article {i}")

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SEARCH, {"q": "import"}).status_code == 200
        return len(queries)

    client.force_login(pw.consultant)
    grow(SECTION_SIZE + 1)
    client.get(SEARCH, {"q": "import"})  # the process's reference data read once
    full = measured()
    grow(SECTION_SIZE)
    results = client.get(SEARCH, {"q": "import"}).context["results"]
    assert [(s.slug, len(s.hits), s.more) for s in results.sections] == [
        ("tickets", SECTION_SIZE, True), ("problems", SECTION_SIZE, True), ("articles", SECTION_SIZE, True)
    ]  # fmt: skip
    # The session and its user, the tickets' ranked page (their own words fill it: no timeline read), one page
    # each of problems and articles, and the layout's count of unread notifications.
    assert (full, measured()) == (6, 6)


# The portal's knowledge base.


@pytest.fixture
def issues(pw):
    """ACME's published known issue (its problem's root cause names a word the known issue does not), an
    unpublished one, Nord's, and articles for everyone, ACME only and internal."""
    acme = acme_problem(
        pw,
        "Imports stall at night",
        root_cause="A deadlock in the wholesaler queue.",
        workaround="Wait for the morning run.",
    )
    known_issue(pw, acme, "Nightly price imports may stall", "Start the import again from the history page.")
    acme_problem(pw, "Imports of drafts", root_cause="Draft imports", workaround="Imports drafted.")
    nord = nord_problem(pw, "Nord imports", workaround="Start again.")
    known_issue(pw, nord, "Nord price imports may stall", "Nord: start the import again.")
    make_article(pw, title="How to re-run a price import", body="<p>Open the import history.</p>")
    make_article(pw, title="ACME import columns", body="<p>Prices first.</p>", organisations=(pw.acme.organisation,))
    make_article(pw, title="Internal import runbook", body="<p>Prices by hand.</p>", audience=Audience.INTERNAL)
    return acme


def found_for(pw, text: str, actor=None, organisation=None):
    customer = pw.acme
    results = portal_knowledge(actor=actor or customer.requester, organisation=organisation or customer.organisation,
                               text=text)  # fmt: skip
    return ([str(h.issue.title) for h in results.known_issues], [row.article.title for row in results.listing.articles])


@pytest.mark.parametrize(
    ("typed", "issues_found", "articles_found"),
    [
        ("price", ["Nightly price imports may stall"], ["How to re-run a price import", "ACME import columns"]),
        ('"start the import"', ["Nightly price imports may stall"], []),
        ("nigh", ["Nightly price imports may stall"], []),  # typing in progress
        ("histroy", ["Nightly price imports may stall"], ["How to re-run a price import"]),  # one typo
        ("wholesaler", [], []),  # only in the problem's root cause: never read for a customer
        ("deadlock", [], []),
        ("morning", [], []),  # the problem's workaround: the known issue's own text says what customers read
        ("drafted", [], []),  # an unpublished problem's workaround
        ("nord", [], []),  # another organisation's known issue
        ("runbook", [], []),  # an internal article
    ],
)
def test_a_customer_finds_the_known_issues_and_articles_meant_for_them(pw, issues, typed, issues_found,
                                                                         articles_found):  # fmt: skip
    assert found_for(pw, typed) == (issues_found, articles_found)


def test_the_known_issues_are_found_only_by_their_own_organisation(pw, issues):
    assert found_for(pw, "stall", actor=pw.nord.requester, organisation=pw.nord.organisation) == (
        ["Nord price imports may stall"], [])  # fmt: skip
    assert found_for(pw, "stall", actor=pw.nord.requester) == ([], [])  # not a member of ACME
    assert found_for(pw, "stall", actor=pw.consultant) == ([], [])  # staff are no customer
    # The staff find the problem by its root cause on the desk.
    assert keys(desk_search(actor=pw.consultant, text="wholesaler"), "problems") == [issues.key]


def test_the_page_shows_the_known_issues_above_the_articles_with_snippets(pw, issues, client):
    client.force_login(pw.acme.requester)
    page = client.get(KNOWLEDGE, {"q": "history"}).content.decode()
    known, articles = page.index('<h2 id="known-issues-h">Known issues</h2>'), page.index('<h2 id="articles-h">')
    assert known < articles
    assert f'href="/portal/knowledge/known-issues/{issues.pk}/"' in page
    assert "Start the import again from the <mark>history</mark> page." in page
    assert "Open the import <mark>history</mark>." in page
    assert "deadlock" not in page and "Nord price" not in page
    browsing = client.get(KNOWLEDGE).content.decode()
    assert 'id="known-issues-h"' not in browsing and "Known issues with your solutions" in browsing


def test_the_portal_search_runs_the_same_queries_whatever_the_number_of_hits(pw, issues, client):
    def grow(n: int) -> None:
        for i in range(n):
            problem = acme_problem(pw, f"Problem {i}", workaround="Again.")
            known_issue(pw, problem, f"Price issue {i}", "The price import again.")
            make_article(pw, title=f"Price article {i}")

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(KNOWLEDGE, {"q": "price"}).status_code == 200
        return len(queries)

    client.force_login(pw.acme.requester)
    reach(pw.acme.requester)
    client.get(KNOWLEDGE, {"q": "price"})
    few = measured()
    grow(KNOWN_ISSUES_SHOWN + 1)
    response = client.get(KNOWLEDGE, {"q": "price"})
    assert (len(response.context["found"].known_issues), response.context["found"].more_known_issues) == (
        KNOWN_ISSUES_SHOWN, True)  # fmt: skip
    # The session and its user, the organisation's solutions, the articles and their components, the known
    # issues, and the layout's count of unread notifications.
    assert (few, measured()) == (7, 7)


# Suggestions while a request is written.


def test_a_known_issue_is_suggested_first_and_only_to_the_customers_it_affects(pw, issues):
    from picocore.search.choices import SuggestionKind
    from picocore.search.suggestions import portal_suggestions

    def suggested(customer, title: str) -> list[tuple[str, str]]:
        found = portal_suggestions(actor=customer.requester, organisation=customer.organisation,
                                   whole_organisation=False, title=title)  # fmt: skip
        return [(hit.kind, hit.title) for hit in found]

    acme = suggested(pw.acme, "price imports stal")
    assert acme[0] == (SuggestionKind.KNOWN_ISSUE, "Nightly price imports may stall")
    assert "Nord price imports may stall" not in [title for _, title in acme]
    assert suggested(pw.nord, "price imports stal")[0] == (SuggestionKind.KNOWN_ISSUE, "Nord price imports may stall")
    # The problem's own words (its root cause) never find its known issue for a customer.
    assert [kind for kind, _ in suggested(pw.acme, "deadlock wholesaler")] == []
