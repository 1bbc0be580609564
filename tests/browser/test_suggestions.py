"""Suggestions while typing, in a real Chromium: the script asks as Anna types, the article she opens from the
list opens beside her form, and her "this solved it" is counted as a deflection."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from picocore.reports.metrics import Scope, deflection
from picocore.search.choices import SuggestionKind, SuggestionOutcome
from picocore.search.models import Suggestion
from picocore.tenancy.models import Organisation
from picocore.tickets.models import Ticket

pytestmark = pytest.mark.browser

ARTICLE = "How to re-run a failed product import"


def test_anna_is_suggested_an_article_opens_it_and_says_it_solved_her_problem(page: Page, sign_in, console_errors):
    sign_in(page, "anna@acme.example")
    tickets_before = Ticket.objects.count()
    page.goto("/portal/new/incident/")
    suggestions = page.get_by_role("region", name="These may already answer your request")
    expect(suggestions).to_be_hidden()
    page.get_by_label("Title").press_sequentially("Product import fail", delay=30)
    link = suggestions.get_by_role("link", name=re.compile(ARTICLE))
    expect(link).to_be_visible()
    expect(suggestions.locator("mark").first).to_have_text(re.compile("product|import", re.IGNORECASE))

    with page.context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state()
    expect(article.get_by_role("heading", level=1)).to_have_text(ARTICLE)
    article.get_by_role("button", name="Yes, this solved my problem").click()
    expect(article.get_by_text("Glad that helped. No request was sent")).to_be_visible()

    suggestion = Suggestion.objects.get(kind=SuggestionKind.ARTICLE, actor__email="anna@acme.example")
    assert (suggestion.outcome, suggestion.opened_at is not None) == (SuggestionOutcome.SOLVED, True)
    assert Ticket.objects.count() == tickets_before  # no request was sent
    acme = Organisation.objects.get(pk=suggestion.organisation_id)
    today = timezone.localdate()  # the installation's day, as the report counts days
    figures = deflection(Scope(organisation_ids=[acme.pk], start=today, end=today))
    row = next(r for r in figures.rows if ARTICLE in r.label)
    assert (row.suggested, row.opened, row.solved, row.sent) == (1, 1, 1, 0)
    assert console_errors == []
