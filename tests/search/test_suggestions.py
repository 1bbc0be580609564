"""Suggestions while a customer writes a request: what is suggested (only what they may read), what is
recorded (once per draft and thing), and what came of it (opened, solved, sent anyway)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from picocore.search.choices import SuggestionKind, SuggestionOutcome
from picocore.search.models import Suggestion
from picocore.search.suggestions import portal_suggestions
from picocore.tickets.choices import Status
from picocore.tickets.models import Submission
from picocore.tickets.services import ticket_transition
from tests.portal.support import incident_form, resolve

SUGGEST = reverse("portal:suggestions")


@pytest.fixture
def history(acme, nord, consultant):
    """ACME-1 resolved (Anna's: a product import), ACME-2 open (an import too), ACME-3 resolved (the admin's,
    also an import); NORD-1 resolved, an import."""
    resolve(acme.ticket(title="Product import failed", description="The nightly product import stopped."), consultant)
    acme.ticket(title="Product import slow")
    resolve(acme.ticket(by=acme.admin, title="Import of prices", description="Prices import."), consultant)
    resolve(nord.ticket(title="Product import failed", description="Same words, other customer."), consultant)


def titles(found) -> list[str]:
    return [hit.title for hit in found]


def test_only_finished_requests_the_person_may_see_are_suggested(acme, history):
    both = portal_suggestions(actor=acme.admin, organisation=acme.organisation, whole_organisation=True,
                              title="import")  # fmt: skip
    assert sorted(titles(both)) == ["ACME-1 Product import failed", "ACME-3 Import of prices"]
    own = portal_suggestions(actor=acme.requester, organisation=acme.organisation, whole_organisation=False,
                             title="import")  # fmt: skip
    assert titles(own) == ["ACME-1 Product import failed"]
    assert {hit.kind for hit in both} == {SuggestionKind.REQUEST}


def test_the_last_word_may_be_half_typed_and_any_word_is_tried_when_all_find_nothing(acme, history):
    def suggested(title: str, description: str = "") -> list[str]:
        return titles(portal_suggestions(actor=acme.admin, organisation=acme.organisation,
                                         whole_organisation=True, title=title, description=description))  # fmt: skip

    assert suggested("product imp") == ["ACME-1 Product import failed"]
    assert suggested("zebra giraffe") == [] and suggested("") == [] and suggested("  !! ") == []
    # Nothing has every word: any of them, ranked by how many it holds.
    assert "ACME-1 Product import failed" in suggested("nightly import giraffe")


def test_only_the_newest_finished_requests_are_read(acme, history, consultant, monkeypatch):
    """The window: what was finished most lately is searched; an older match is not, however many there are."""
    monkeypatch.setattr("picocore.search.suggestions.REQUEST_WINDOW", 2)
    resolve(acme.ticket(by=acme.admin, title="Catalogue export"), consultant)  # the newest finished, no import

    def suggested() -> list[str]:
        return sorted(titles(portal_suggestions(actor=acme.admin, organisation=acme.organisation,
                                                whole_organisation=True, title="import")))  # fmt: skip

    # The two newest finished: the export and ACME-3 (ACME-1 was finished first, so it falls out).
    assert suggested() == ["ACME-3 Import of prices"]
    monkeypatch.setattr("picocore.search.suggestions.REQUEST_WINDOW", 3)
    assert suggested() == ["ACME-1 Product import failed", "ACME-3 Import of prices"]


def post(client, title: str, draft: str = "draft-1", description: str = "") -> list[dict]:
    response = client.post(SUGGEST, {"title": title, "description": description, "draft": draft})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)["suggestions"]


def test_the_endpoint_answers_json_and_records_each_suggestion_once_per_draft(client, acme, history):
    client.force_login(acme.requester)
    first = post(client, "product import")
    assert [(s["kind"], s["title"]) for s in first] == [("Earlier request", "ACME-1 Product import failed")]
    assert "<mark>import</mark>" in first[0]["snippet"]
    post(client, "product import f")  # typing on: the same suggestion, the same row
    post(client, "product import", draft="draft-2")  # another request being written
    rows = list(Suggestion.objects.values_list("draft", "kind", "object_id", "outcome"))
    ticket_id = Suggestion.objects.first().object_id
    assert sorted(rows) == [("draft-1", "request", ticket_id, ""), ("draft-2", "request", ticket_id, "")]
    assert first[0]["url"] == f"/portal/requests/ACME-1/?suggested={Suggestion.objects.get(draft='draft-1').pk}"
    assert client.get(SUGGEST, {"title": "import"}).status_code == 405


def test_text_from_outside_breaks_nothing(client, acme, history):
    client.force_login(acme.requester)
    for typed in ("a\x00b", "x" * 10_000, '"unclosed', "' OR 1=1 --"):
        post(client, typed, draft="d\x00" + "x" * 100)
    assert all(len(d) <= 64 and "\x00" not in d for d in Suggestion.objects.values_list("draft", flat=True))


def test_opened_then_solved_is_counted_once_and_only_for_its_owner(client, acme, nord, history):
    client.force_login(acme.requester)
    suggestion_id = Suggestion.objects.get(pk=_suggested(client)).pk
    assert client.post(reverse("portal:suggestion_opened", args=[suggestion_id])).status_code == 204
    page = client.get(f"/portal/requests/ACME-1/?suggested={suggestion_id}").content.decode()
    assert "Yes, this solved my problem" in page
    response = client.post(reverse("portal:suggestion_solved", args=[suggestion_id]))
    assert (response.status_code, response["Location"]) == (302, "/portal/")
    client.post(reverse("portal:suggestion_solved", args=[suggestion_id]))
    row = Suggestion.objects.get()
    assert (row.outcome, row.opened_at is not None, row.decided_at is not None) == (
        SuggestionOutcome.SOLVED,
        True,
        True,
    )
    assert (
        "Yes, this solved my problem" not in client.get(f"/portal/requests/ACME-1/?suggested={row.pk}").content.decode()
    )
    # Someone else's suggestion is as missing as one that does not exist, and stays as it was.
    client.force_login(acme.admin)
    for name in ("portal:suggestion_opened", "portal:suggestion_solved"):
        assert client.post(reverse(name, args=[row.pk])).status_code == 404
        assert client.post(reverse(name, args=[999_999])).status_code == 404
    client.force_login(nord.requester)
    assert client.post(reverse("portal:suggestion_solved", args=[row.pk])).status_code == 404
    assert Suggestion.objects.get().decided_at == row.decided_at


def _suggested(client) -> int:
    [item] = post(client, "product import")
    return int(item["url"].rsplit("=", 1)[1])


def sent_anyway(suggestion: Suggestion) -> list:
    """The request sent from the draft the suggestion was made for, if it was sent."""
    return [s.ticket for s in Submission.objects.filter(actor=suggestion.actor, token=suggestion.draft)]


def test_sending_the_request_anyway_is_known_from_the_form_and_wins_over_a_later_yes(client, acme, history):
    client.force_login(acme.requester)
    page = client.get(reverse("portal:new_request", args=[acme.incident.slug]))
    draft = page.context["form"]["submission"].value()
    assert 'id="suggestions"' in page.content.decode() and "suggestions.js" in page.content.decode()
    post(client, "product import", draft=draft)
    data = incident_form(acme, submission=draft, title="Product import failed again")
    response = client.post(reverse("portal:new_request", args=[acme.incident.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Suggestion.objects.get()
    assert (row.outcome, [r.title for r in sent_anyway(row)]) == ("", ["Product import failed again"])
    client.post(reverse("portal:suggestion_solved", args=[row.pk]))
    assert Suggestion.objects.get().outcome == SuggestionOutcome.PENDING


def test_a_customer_does_not_get_suggestions_of_an_open_or_cancelled_request(client, acme, consultant):
    cancelled = acme.ticket(title="Product import cancelled")
    ticket_transition(actor=consultant, ticket=cancelled, to=Status.CANCELLED)
    client.force_login(acme.requester)
    assert post(client, "product import") == []


def _publish(title: str, body: str, *, audience: str = "customers", organisations: tuple = ()):
    from picocore.knowledge.services import ArticleFields, article_create, article_publish
    from picocore.tenancy.choices import StaffRole
    from tests import factories

    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    fields = ArticleFields(title=title, body_html=body, audience=audience, for_all_customers=not organisations,
                           organisation_ids=[o.pk for o in organisations])  # fmt: skip
    return article_publish(actor=manager, article_id=article_create(actor=manager, fields=fields).pk)


def test_articles_meant_for_the_customer_come_first_and_no_other(client, acme, nord, history):
    article = _publish("How to re-run a failed product import", "<p>Open the <b>import</b> log.</p>")
    _publish("Import checklist for the team", "<p>Internal.</p>", audience="internal")
    _publish("Nord's import schedule", "<p>Only Nord.</p>", organisations=(nord.organisation,))
    client.force_login(acme.requester)
    items = post(client, "product import")
    assert [(i["kind"], i["title"]) for i in items] == [
        ("Article", "How to re-run a failed product import"), ("Earlier request", "ACME-1 Product import failed"),
    ]  # fmt: skip
    assert items[0]["url"].startswith(f"/portal/knowledge/{article.slug}/?suggested=")
    page = client.get(items[0]["url"]).content.decode()
    assert "Yes, this solved my problem" in page
    client.force_login(nord.requester)
    assert [i["title"] for i in post(client, "import schedule")] == ["Nord's import schedule"]


def test_the_deflection_report_counts_per_article(client, acme, consultant, history):
    from picocore.reports.metrics import Scope, deflection
    from picocore.tenancy.choices import StaffRole
    from tests import factories

    _publish("How to re-run a failed product import", "<p>Open the import log.</p>")
    client.force_login(acme.requester)
    solved = post(client, "product import", draft="d1")[0]
    client.post(solved["opened"])
    client.post(reverse("portal:suggestion_solved", args=[int(solved["url"].rsplit("=", 1)[1])]))
    post(client, "product import", draft="d2")  # shown, then the request sent anyway
    client.post(reverse("portal:new_request", args=[acme.incident.slug]),
                incident_form(acme, submission="d2", title="Product import still failing"))  # fmt: skip
    post(client, "product import", draft="d3")  # shown, nothing more
    from django.utils import timezone

    today = timezone.localdate()  # the installation's day, as the report counts days
    figures = deflection(Scope(organisation_ids=[acme.organisation.pk], start=today, end=today))
    rows = {row.label: (row.suggested, row.opened, row.solved, row.sent, row.rate) for row in figures.rows}
    assert rows["Article: How to re-run a failed product import"] == (3, 1, 1, 1, Decimal("33.33"))
    assert rows["Earlier request: ACME-1 Product import failed"] == (3, 0, 0, 1, Decimal("0.00"))
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    client.force_login(manager)
    page = client.get(reverse("reports:deflection")).content.decode()
    assert "How to re-run a failed product import" in page and "Deflection rate" in page
    csv = client.get(reverse("reports:deflection_csv")).content.decode()
    assert csv.splitlines()[0] == "item,suggested,opened,solved,sent_anyway,deflection_rate_percent"
