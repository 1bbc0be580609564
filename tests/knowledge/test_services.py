"""The article services: versions and history, sanitising on save, publishing, reviews, archiving, files, the
article made from a ticket's resolution, and refusals that change nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from picocore.audit.models import AuditEntry
from picocore.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from picocore.knowledge.choices import ArticleEventKind, ArticleStatus, Audience
from picocore.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleOrganisation,
    ArticleVersion,
)
from picocore.knowledge.services import (
    ArticleFields,
    article_archive,
    article_attach,
    article_create,
    article_from_ticket,
    article_mark_reviewed,
    article_publish,
    article_update,
    today,
)
from picocore.tickets.choices import Status
from picocore.tickets.services import ticket_transition
from tests.knowledge.support import make_article

pytestmark = pytest.mark.django_db


def state() -> dict:
    """Everything an article service could change."""
    return {
        "articles": list(Article.objects.order_by("pk").values()),
        "versions": list(ArticleVersion.objects.order_by("pk").values_list("pk", "number", "title")),
        "events": ArticleEvent.objects.count(),
        "organisations": list(ArticleOrganisation.objects.order_by("pk").values_list("article_id", "organisation_id")),
        "files": ArticleAttachment.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def resolved(kw, title: str = "Import of ACME prices failed"):
    ticket = kw.acme.ticket(title=title)
    ticket_transition(actor=kw.consultant, ticket=ticket, to=Status.IN_PROGRESS)
    note = "Hi ACME Requester, we re-ran the import for Acme Ltd; write to requester@example.test if it recurs."
    ticket_transition(actor=kw.consultant, ticket=ticket, to=Status.RESOLVED, note=note)
    return ticket


def test_each_new_text_is_a_version_and_a_published_article_reads_the_newest(kw):
    article = article_create(
        actor=kw.consultant,
        fields=ArticleFields(
            title="Re-run an import", body_html="<p>Open <b>Import</b>.</p><script>x()</script>", summary="First"
        ),
    )
    assert (article.status, article.latest_number, article.body_html, article.body_text) == (
        ArticleStatus.DRAFT,
        1,
        "<p>Open <b>Import</b>.</p>",
        "Open Import.",
    )
    assert (article.slug, article.owner_id, article.review_due) == (
        "re-run-an-import",
        kw.consultant.pk,
        today() + dt.timedelta(days=180),
    )
    assert article.published_version_id is None
    article = article_publish(actor=kw.consultant, article_id=article.pk)
    assert article.published_version.number == 1
    fields = ArticleFields(title="Re-run a failed import", body_html="<p>Open Import, then Retry.</p>",
                           summary="Retry step")  # fmt: skip
    article = article_update(actor=kw.manager, article_id=article.pk, fields=fields)
    article.refresh_from_db()
    assert (article.latest_number, article.published_version.number, article.title, article.slug) == (
        2,
        2,
        "Re-run a failed import",
        "re-run-an-import",
    )
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number").values_list(
        "number", "title", "body_text", "summary", "author_id"))  # fmt: skip
    assert versions == [
        (1, "Re-run an import", "Open Import.", "First", kw.consultant.pk),
        (2, "Re-run a failed import", "Open Import, then Retry.", "Retry step", kw.manager.pk),
    ]
    assert list(ArticleEvent.objects.filter(article=article).order_by("id").values_list(
        "kind", "actor_id", "version_number")) == [
        (ArticleEventKind.CREATED, kw.consultant.pk, 1), (ArticleEventKind.PUBLISHED, kw.consultant.pk, 1),
        (ArticleEventKind.EDITED, kw.manager.pk, 2)]  # fmt: skip


def test_saving_the_same_text_makes_no_version_and_records_nothing(kw):
    article = make_article(kw, published=False)
    before = state()
    article_update(actor=kw.manager, article_id=article.pk, fields=ArticleFields(
        title=article.title, body_html=article.body_html, audience=article.audience, owner_id=article.owner_id,
        review_due=article.review_due))  # fmt: skip
    assert state() == before


def test_slugs_are_unique_and_never_a_number_or_reserved(kw):
    first = make_article(kw, title="Known issues")
    second = make_article(kw, title="Known issues")
    third = make_article(kw, title="2024")
    assert (first.slug, second.slug, third.slug) == ("article-known-issues", "article-known-issues-2", "article-2024")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (dict(title=""), {"title": ["This is required."]}),
        (dict(title="x" * 201), {"title": ["Keep it under 200 characters."]}),
        (dict(title="a\x00b"), {"title": ["Remove the NUL character (\\0) from the text."]}),
        (dict(title="T", body_html="x" * 100_001), {"body_html": ["Keep it under 100,000 characters."]}),
        (dict(title="T", version_from="7"), {"product": ["Name the product the versions are of."]}),
        (dict(title="T", product="Akeneo", version_from="eight"),
         {"version_from": ["Give a version number, e.g. 7 or 7.1."]}),
        (dict(title="T", product="Akeneo", version_from="8", version_to="7"),
         {"version_to": ["The last version comes after the first."]}),
        (dict(title="T", audience="everyone"), {"audience": ["Choose who the article is for."]}),
        (dict(title="T", for_all_customers=False),
         {"organisations": ["Choose the customers the article is for, or make it for every customer."]}),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_saved(kw, fields, errors):
    before = state()
    with pytest.raises(ValidationError) as refused:
        article_create(actor=kw.consultant, fields=ArticleFields(**fields))
    assert refused.value.field_errors == errors
    assert state() == before


def test_a_consultant_chooses_only_customers_they_serve_and_their_components(kw):
    before = state()
    with pytest.raises(ValidationError) as refused:
        article_create(actor=kw.outsider, fields=ArticleFields(title="T", for_all_customers=False,
                                                               organisation_ids=[kw.acme.organisation.pk]))  # fmt: skip
    assert refused.value.field_errors == {"organisations": ["Choose customers you serve."]}
    with pytest.raises(ValidationError) as refused:
        article_create(actor=kw.consultant, fields=ArticleFields(
            title="T", for_all_customers=False, organisation_ids=[kw.nord.organisation.pk],
            component_ids=[kw.importer.pk]))  # fmt: skip
    assert refused.value.field_errors == {"components": ["Choose components of the customers the article is for."]}
    assert state() == before
    article = article_create(
        actor=kw.consultant,
        fields=ArticleFields(
            title="T",
            for_all_customers=False,
            organisation_ids=[kw.acme.organisation.pk],
            component_ids=[kw.importer.pk],
        ),
    )
    assert list(article.applies_to.values_list("component_id", "organisation_id")) == [
        (kw.importer.pk, kw.acme.organisation.pk)
    ]


def test_people_outside_the_service_team_write_nothing(kw):
    article = make_article(kw, published=False)
    before = state()
    for person in (kw.acme.requester, kw.desk.developer):
        with pytest.raises(PermissionDenied):
            article_create(actor=person, fields=ArticleFields(title="T"))
        for call in (
            lambda person=person: article_update(
                actor=person, article_id=article.pk, fields=ArticleFields(title="Changed")
            ),
            lambda person=person: article_publish(actor=person, article_id=article.pk),
            lambda person=person: article_archive(actor=person, article_id=article.pk),
            lambda person=person: article_mark_reviewed(actor=person, article_id=article.pk),
        ):
            with pytest.raises(NotFound):
                call()
    assert state() == before


def test_an_article_for_acme_is_not_found_by_a_consultant_who_does_not_serve_it(kw):
    article = make_article(kw, organisations=(kw.acme.organisation,), published=False, by=kw.consultant)
    both = make_article(kw, organisations=(kw.acme.organisation, kw.nord.organisation), published=False)
    before = state()
    with pytest.raises(NotFound):
        article_publish(actor=kw.outsider, article_id=article.pk)
    with pytest.raises(PermissionDenied):  # he sees it (Nord's too) but does not serve ACME
        article_update(actor=kw.outsider, article_id=both.pk, fields=ArticleFields(title="Changed"))
    with pytest.raises(NotFound):
        article_publish(actor=kw.consultant, article_id=999_999)
    assert state() == before


def test_publishing_archiving_and_publishing_again(kw):
    article = make_article(kw, published=False)
    article_archive(actor=kw.manager, article_id=article.pk)
    before = state()
    with pytest.raises(InvalidTransition):
        article_archive(actor=kw.manager, article_id=article.pk)
    with pytest.raises(InvalidTransition):
        article_update(actor=kw.manager, article_id=article.pk, fields=ArticleFields(title="Changed"))
    assert state() == before
    assert article_publish(actor=kw.manager, article_id=article.pk).status == ArticleStatus.PUBLISHED
    with pytest.raises(InvalidTransition):
        article_publish(actor=kw.manager, article_id=article.pk)


def test_reviewing_moves_the_review_date(kw):
    article = make_article(kw, review_due=dt.date(2020, 1, 1))
    before = state()
    for day in (today(), today() - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            article_mark_reviewed(actor=kw.consultant, article_id=article.pk, next_review=day)
        assert refused.value.field_errors == {"next_review": ["Choose a day after today for the next review."]}
    assert state() == before
    article = article_mark_reviewed(actor=kw.consultant, article_id=article.pk)
    assert article.review_due == today() + dt.timedelta(days=180)
    chosen = today() + dt.timedelta(days=30)
    assert article_mark_reviewed(actor=kw.consultant, article_id=article.pk, next_review=chosen).review_due == chosen
    assert list(
        ArticleEvent.objects.filter(article=article, kind=ArticleEventKind.REVIEWED)
        .values_list("detail", flat=True)
        .order_by("id")
    ) == [(today() + dt.timedelta(days=180)).isoformat(), chosen.isoformat()]


def test_files_are_checked_and_all_or_none_are_added(kw):
    article = make_article(kw)
    before = state()
    with pytest.raises(ValidationError) as refused:
        article_attach(actor=kw.consultant, article_id=article.pk, files=[
            SimpleUploadedFile("steps.pdf", b"%PDF-1.4"), SimpleUploadedFile("run.exe", b"MZ")])  # fmt: skip
    assert refused.value.field_errors == {"attachments": [
        "“run.exe” is a type of file we do not accept. Send images, PDFs, office documents, text, CSV, JSON, XML or "
        "ZIP files."]}  # fmt: skip
    with pytest.raises(NotFound):
        article_attach(actor=kw.acme.requester, article_id=article.pk, files=[SimpleUploadedFile("a.txt", b"a")])
    assert state() == before
    made = article_attach(actor=kw.consultant, article_id=article.pk,
                          files=[SimpleUploadedFile("steps.pdf", b"%PDF-1.4")])  # fmt: skip
    assert [(a.filename, a.content_type, a.size) for a in made] == [("steps.pdf", "application/pdf", 8)]


def test_an_article_from_a_resolved_ticket_is_a_draft_for_its_customer_that_remembers_the_ticket(kw):
    ticket = resolved(kw)
    article = article_from_ticket(actor=kw.consultant, ticket_id=ticket.pk)
    assert (article.title, article.status, article.audience, article.for_all_customers, article.source_ticket_id) == (
        "Import of ACME prices failed",
        ArticleStatus.DRAFT,
        Audience.INTERNAL,
        False,
        ticket.pk,
    )
    assert article.body_html == (
        "<p>Hi ACME Requester, we re-ran the import for Acme Ltd; write to requester@example.test if it recurs.</p>"
    )
    assert list(article.chosen.values_list("organisation_id", flat=True)) == [kw.acme.organisation.pk]
    assert article.versions.get().summary == f"Made from the resolution of {ticket.key}"
    assert article_from_ticket(actor=kw.consultant, ticket_id=ticket.pk).pk == article.pk  # the same draft again


def test_publishing_an_article_from_a_ticket_needs_the_personal_data_removed(kw):
    article = article_from_ticket(actor=kw.consultant, ticket_id=resolved(kw).pk)
    before = state()
    with pytest.raises(ValidationError) as refused:
        article_publish(actor=kw.consultant, article_id=article.pk)
    assert list(refused.value.field_errors) == ["personal_data_removed"]
    assert state() == before
    article = article_publish(actor=kw.consultant, article_id=article.pk, personal_data_removed=True)
    assert (article.status, article.personal_data_checked_by, article.personal_data_checked_at is not None) == (
        ArticleStatus.PUBLISHED,
        kw.consultant,
        True,
    )


def test_no_article_from_an_open_ticket_or_one_the_consultant_does_not_serve(kw):
    open_ticket = kw.acme.ticket(title="Still open")
    done = resolved(kw)
    before = state()
    with pytest.raises(InvalidTransition):
        article_from_ticket(actor=kw.consultant, ticket_id=open_ticket.pk)
    for person in (kw.outsider, kw.acme.requester, kw.desk.developer):
        with pytest.raises(NotFound):
            article_from_ticket(actor=person, ticket_id=done.pk)
    assert state() == before
