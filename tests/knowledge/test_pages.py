"""The desk's and the portal's knowledge pages: writing, publishing, reviewing and archiving an article, its
history and versions, its files, the article made from a ticket's resolution with the personal-data review,
what customers read, and constant query counts as the data grows."""

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.models import Article, ArticleVersion
from picocore.knowledge.services import ArticleFields, article_attach, article_update, today
from picocore.tickets.choices import Status
from picocore.tickets.services import ticket_transition
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


FORM = {"title": "Re-run a failed import", "body_html": '<p>Open <b>Import</b>.</p><script>alert(1)</script>',
        "audience": "customers", "for_all_customers": "all", "summary": "First"}  # fmt: skip


def test_a_consultant_writes_publishes_edits_and_reads_the_history(kw):
    consultant = client_for(kw.consultant)
    assert consultant.get(reverse("desk:article_new")).status_code == 200
    response = consultant.post(reverse("desk:article_new"), FORM)
    article = Article.objects.get()
    assert response["Location"] == reverse("desk:article", args=[article.pk])
    assert (article.body_html, article.status, article.audience) == ("<p>Open <b>Import</b>.</p>", "draft", "customers")
    assert consultant.post(reverse("desk:article_publish", args=[article.pk])).status_code == 302
    edit = {**FORM, "body_html": "<p>Open Import, then Retry.</p>", "summary": "Retry", "owner": kw.manager.pk,
            "review_due": "2030-05-01"}  # fmt: skip
    assert consultant.get(reverse("desk:article_edit", args=[article.pk])).status_code == 200
    assert consultant.post(reverse("desk:article_edit", args=[article.pk]), edit).status_code == 302
    article.refresh_from_db()
    assert (article.latest_number, article.published_version.number, article.owner, article.review_due) == (
        2,
        2,
        kw.manager,
        dt.date(2030, 5, 1),
    )
    page = text(consultant.get(reverse("desk:article", args=[article.pk])))
    assert "Version 2 " in page and "Retry" in page and "Carla Consultant" in page
    version = consultant.get(reverse("desk:article_version", args=[article.pk, 2]))
    assert "- Open Import." in text(version) and "+ Open Import, then Retry." in text(version)
    assert consultant.get(reverse("desk:article_version", args=[article.pk, 3])).status_code == 404


def test_a_refused_form_names_the_problem_and_saves_nothing(kw):
    consultant = client_for(kw.consultant)
    response = consultant.post(reverse("desk:article_new"), {**FORM, "for_all_customers": "chosen"})
    assert response.status_code == 400
    assert "Choose the customers the article is for, or make it for every customer." in text(response)
    response = consultant.post(reverse("desk:article_new"), {**FORM, "version_from": "7"})
    assert "Name the product the versions are of." in text(response)
    assert Article.objects.count() == 0


def test_reviewed_moves_the_date_and_archive_takes_it_from_the_portal(kw):
    article = make_article(kw, review_due=dt.date(2020, 1, 1))
    consultant = client_for(kw.consultant)
    listing = consultant.get(reverse("desk:knowledge"))
    assert [a.pk for a in listing.context["due"]] == [article.pk]
    assert "overdue since" in text(listing)
    assert [a.pk for a in consultant.get(reverse("desk:knowledge"), {"overdue": "1"}).context["page"].rows] == [
        article.pk
    ]
    refused = consultant.post(reverse("desk:article_reviewed", args=[article.pk]), {"next_review": "2020-01-02"})
    assert refused.status_code == 400
    assert "Choose a day after today for the next review." in text(refused)
    assert consultant.post(reverse("desk:article_reviewed", args=[article.pk])).status_code == 302
    article.refresh_from_db()
    assert article.review_due == today() + dt.timedelta(days=180)
    assert consultant.get(reverse("desk:knowledge")).context["due"] == []
    requester = client_for(kw.acme.requester)
    assert requester.get(reverse("portal:article", args=[article.slug])).status_code == 200
    assert consultant.post(reverse("desk:article_archive", args=[article.pk])).status_code == 302
    assert requester.get(reverse("portal:article", args=[article.slug])).status_code == 404
    again = consultant.post(reverse("desk:article_archive", args=[article.pk]))
    assert again.status_code == 409


def test_the_list_filters_and_names_a_filter_it_cannot_read(kw):
    make_article(kw, title="Internal one", audience=Audience.INTERNAL)
    make_article(kw, title="Public one")
    consultant = client_for(kw.consultant)
    rows = consultant.get(reverse("desk:knowledge"), {"audience": "internal"}).context["page"].rows
    assert [a.title for a in rows] == ["Internal one"]
    assert [a.title for a in consultant.get(reverse("desk:knowledge"), {"q": "public"}).context["page"].rows] == [
        "Public one"
    ]
    bad = consultant.get(reverse("desk:knowledge"), {"status": "nonsense", "owner": "x"})
    assert bad.status_code == 400
    assert "Choose a status from the list." in text(bad) and "Choose an owner from the list." in text(bad)


def test_the_list_pages_by_keyset(kw):
    for number in range(52):
        Article.objects.create(slug=f"a-{number}", title=f"Article {number}")
    consultant = client_for(kw.manager)
    first = consultant.get(reverse("desk:knowledge"))
    assert len(first.context["page"].rows) == 50
    second = consultant.get(reverse("desk:knowledge"), {"after": first.context["page"].next_cursor})
    assert [a.title for a in second.context["page"].rows] == ["Article 1", "Article 0"]
    assert consultant.get(reverse("desk:knowledge"), {"after": "garbage"}).status_code == 400


def test_files_are_added_and_served_only_to_who_reads_the_article(kw):
    article = make_article(kw, organisations=(kw.acme.organisation,), by=kw.consultant)
    consultant = client_for(kw.consultant)
    refused = consultant.post(reverse("desk:article_files", args=[article.pk]),
                              {"attachments": [SimpleUploadedFile("x.exe", b"MZ")]})  # fmt: skip
    assert refused.status_code == 400
    added = consultant.post(reverse("desk:article_files", args=[article.pk]),
                            {"attachments": [SimpleUploadedFile("steps.txt", b"1. Retry\n")]})  # fmt: skip
    assert added.status_code == 302
    file = article.attachments.get()
    assert body(consultant.get(reverse("desk:article_file", args=[article.pk, file.pk]))) == b"1. Retry\n"
    portal_url = reverse("portal:article_file", args=[article.slug, file.pk])
    download = client_for(kw.acme.requester).get(portal_url)
    assert (download.status_code, body(download), download["Content-Disposition"]) == (
        200,
        b"1. Retry\n",
        'attachment; filename="steps.txt"',
    )
    assert client_for(kw.nord.requester).get(portal_url).status_code == 404
    assert client_for(kw.outsider).get(reverse("desk:article_file", args=[article.pk, file.pk])).status_code == 404
    other = make_article(kw, title="Other")
    elsewhere = reverse("portal:article_file", args=[other.slug, file.pk])
    assert client_for(kw.acme.requester).get(elsewhere).status_code == 404


def _resolved(kw):
    ticket = kw.acme.ticket(title="ACME Requester cannot import prices")
    ticket_transition(actor=kw.consultant, ticket=ticket, to=Status.IN_PROGRESS)
    note = f"Dear ACME Requester ({kw.acme.requester.email}), the Acme Ltd import was re-run."
    ticket_transition(actor=kw.consultant, ticket=ticket, to=Status.RESOLVED, note=note)
    return ticket


def test_an_article_from_a_ticket_reviews_personal_data_before_it_is_published(kw):
    ticket = _resolved(kw)
    consultant = client_for(kw.consultant)
    ticket_page = consultant.get(reverse("desk:ticket", args=[ticket.key])).content.decode()
    assert reverse("desk:article_from_ticket", args=[ticket.key]) in ticket_page
    made = consultant.post(reverse("desk:article_from_ticket", args=[ticket.key]))
    article = Article.objects.get()
    assert made["Location"] == reverse("desk:article", args=[article.pk])
    page = consultant.get(made["Location"])
    findings = [(f.label, f.term) for f in page.context["detail"].personal_data]
    assert findings == [
        ("The requester's name", "ACME Requester"),
        ("Part of the requester's name", "ACME"),
        ("Part of the requester's name", "Requester"),
        ("The requester's e-mail address", kw.acme.requester.email),
        ("The customer's name", "Acme Ltd"),
    ]
    assert "<mark>ACME Requester</mark>" in page.content.decode()
    assert 'name="personal_data_removed"' in page.content.decode()
    refused = consultant.post(reverse("desk:article_publish", args=[article.pk]))
    assert refused.status_code == 400
    assert "Confirm that you removed the personal data" in text(refused)
    assert Article.objects.get().status == ArticleStatus.DRAFT
    clean = {"title": "Prices cannot be imported", "body_html": "<p>The import was re-run.</p>",
             "audience": "customers", "for_all_customers": "all"}  # fmt: skip
    assert consultant.post(reverse("desk:article_edit", args=[article.pk]), clean).status_code == 302
    assert client_for(kw.consultant).get(made["Location"]).context["detail"].personal_data == []
    published = consultant.post(reverse("desk:article_publish", args=[article.pk]), {"personal_data_removed": "on"})
    assert published.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.personal_data_checked_by) == (ArticleStatus.PUBLISHED, kw.consultant)
    portal = client_for(kw.nord.requester).get(reverse("portal:article", args=[article.slug]))
    assert portal.status_code == 200
    assert ticket.key not in portal.content.decode()  # the source ticket is for staff only


def test_an_open_ticket_offers_no_article(kw):
    consultant = client_for(kw.consultant)
    page = consultant.get(reverse("desk:ticket", args=[kw.desk.ticket.key])).content.decode()
    assert "Make an article" not in page
    refused = consultant.post(reverse("desk:article_from_ticket", args=[kw.desk.ticket.key]))
    assert refused["Location"] == reverse("desk:ticket", args=[kw.desk.ticket.key])
    assert Article.objects.count() == 0


def test_the_portal_lists_what_the_organisation_reads(kw):
    make_article(kw, title="How to re-run a failed product import", body="<p>Open Import › History.</p>")
    make_article(kw, title="Internal only", audience=Audience.INTERNAL)
    make_article(kw, title="Nord only", organisations=(kw.nord.organisation,))
    make_article(
        kw, title="Akeneo 7 notes", body="<p>Known limits.</p>", product="Akeneo", version_from="7", version_to="7"
    )
    requester = client_for(kw.acme.requester)
    listing = requester.get(reverse("portal:knowledge"))
    assert [row.article.title for row in listing.context["listing"].articles] == [
        "Akeneo 7 notes",
        "How to re-run a failed product import",
    ]
    assert 'aria-current="page">Knowledge</a>' in listing.content.decode()
    found = requester.get(reverse("portal:knowledge"), {"q": "import"})
    assert [row.article.title for row in found.context["listing"].articles] == ["How to re-run a failed product import"]
    by_solution = requester.get(reverse("portal:knowledge"), {"solution": kw.acme.solution.pk})
    assert [row.article.title for row in by_solution.context["listing"].articles] == ["Akeneo 7 notes"]
    assert requester.get(reverse("portal:knowledge"), {"solution": kw.nord.solution.pk}).status_code == 400
    article = requester.get(reverse("portal:article", args=["how-to-re-run-a-failed-product-import"]))
    assert "Open Import › History." in text(article)


@pytest.mark.parametrize("more", [0, 6])
def test_the_pages_run_a_constant_number_of_queries(kw, django_assert_num_queries, more):
    article = make_article(kw, organisations=(kw.acme.organisation,), component_ids=[kw.importer.pk])
    for number in range(more):
        make_article(kw, title=f"Article {number}", organisations=(kw.acme.organisation, kw.nord.organisation),
                     review_due=dt.date(2020, 1, 1))  # fmt: skip
        article_update(actor=kw.manager, article_id=article.pk, fields=ArticleFields(
            title=f"Version {number}", body_html=article.body_html, audience=article.audience, for_all_customers=False,
            organisation_ids=[kw.acme.organisation.pk], component_ids=[kw.importer.pk]))  # fmt: skip
        article_attach(actor=kw.manager, article_id=article.pk, files=[SimpleUploadedFile(f"{number}.txt", b"x")])
    desk, portal = client_for(kw.consultant), client_for(kw.acme.requester)
    slug = Article.objects.get(pk=article.pk).slug
    number = ArticleVersion.objects.filter(article=article).count()
    pages = [
        (desk, reverse("desk:knowledge"), 7),
        (desk, reverse("desk:article", args=[article.pk]), 9),
        (desk, reverse("desk:article_edit", args=[article.pk]), 9),
        (desk, reverse("desk:article_version", args=[article.pk, number]), 6),
        (portal, reverse("portal:knowledge"), 6),
        (portal, reverse("portal:article", args=[slug]), 7),
    ]
    for client, url, _count in pages:
        client.get(url)  # warm the per-process caches
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client, url, _count in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counts[url] = len(queries)
    assert counts == {url: count for _client, url, count in pages}
