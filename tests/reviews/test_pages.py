"""The review's pages and PDF: the draft → sent flow (only service managers write and send; sent once), the
customer admins' portal, what others get, and constant query counts."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from picocore.core.errors import InvalidTransition, PermissionDenied
from picocore.outbox.models import OutboxEmail
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from picocore.reviews.pdf import RefusedURL, local_only_fetcher_class
from picocore.reviews.services import review_send, review_update
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.conftest import make_customer
from tests.reviews.conftest import JANUARY

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def columns(review: ServiceReview) -> tuple:
    review.refresh_from_db()
    return review.status, review.summary, review.proposals, review.sent_at, review.snapshot


def test_a_consultant_reads_but_neither_writes_nor_sends(client, review, consultant):
    before = columns(review)
    with pytest.raises(PermissionDenied):
        review_update(actor=consultant, review_id=review.pk, summary="All good", proposals="")
    with pytest.raises(PermissionDenied):
        review_send(actor=consultant, review_id=review.pk)
    client.force_login(consultant)
    page = client.get(reverse("desk:review", args=[review.pk]))
    assert page.status_code == 200 and "Prices missing in the shop" in page.content.decode()
    assert not page.context["may_write"] and not page.context["may_send"]
    response = client.post(reverse("desk:review", args=[review.pk]), {"summary": "All good", "proposals": ""})
    assert response.status_code == 403
    assert response.context["error"] == "Only a service manager writes and sends the service review."
    refused = client.post(reverse("desk:review_send", args=[review.pk]))  # the review's page says why
    assert refused.status_code == 403 and refused.templates[0].name == "reviews/desk_detail.html"
    assert refused.context["error"] == "Only a service manager writes and sends the service review."
    assert 'role="alert" id="action-error"' in refused.content.decode()
    assert columns(review) == before
    assert not OutboxEmail.objects.filter(kind="service_review").exists()


def test_the_service_manager_writes_then_sends_once(client, review, manager, acme):
    second_admin = factories.UserFactory(full_name="Second Admin")
    factories.MembershipFactory(user=second_admin, organisation=acme.organisation, role="customer_admin")
    client.force_login(manager)
    response = client.post(
        reverse("desk:review", args=[review.pk]),
        {"summary": "A calm month.", "proposals": "Move the import to night-time."},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.summary, review.proposals, review.status) == (
        "A calm month.",
        "Move the import to night-time.",
        "draft",
    )
    for _click in range(2):  # a double click
        assert client.post(reverse("desk:review_send", args=[review.pk])).status_code == 302
    emails = OutboxEmail.objects.filter(kind="service_review").order_by("to_address")
    assert sorted(e.recipient_id for e in emails) == sorted([acme.admin.pk, second_admin.pk])
    assert all("A calm month." in e.body_text and f"/portal/reviews/{review.pk}/" in e.body_text for e in emails)
    assert emails[0].subject == "Acme Ltd: the service review of Jan 2027"
    review.refresh_from_db()
    assert review.status == "sent" and review.sent_by == manager
    assert review_send(actor=manager, review_id=review.pk) == (review, 0)  # a retry sends nothing
    with pytest.raises(InvalidTransition):
        review_update(actor=manager, review_id=review.pk, summary="Changed", proposals="")
    assert client.post(reverse("desk:review", args=[review.pk]), {"summary": "Changed"}).status_code == 409
    review.refresh_from_db()
    assert review.summary == "A calm month." and emails.count() == 2


def test_too_long_a_summary_is_refused_with_nothing_saved(client, review, manager):
    client.force_login(manager)
    response = client.post(reverse("desk:review", args=[review.pk]), {"summary": "x" * 10_001, "proposals": ""})
    assert response.status_code == 400
    assert "Ensure this value has at most 10000 characters" in response.content.decode()
    review.refresh_from_db()
    assert review.summary == ""


def test_the_pdf_is_a_real_pdf_with_the_customers_name(client, review, manager):
    client.force_login(manager)
    response = client.get(reverse("desk:review_pdf", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="service-review-acme-ltd-2027-01.pdf"' in response["Content-Disposition"]
    text = pdf_text(response)
    assert "Acme Ltd" in text and "Prices missing in the shop" in text and "Quick and kind." in text


def test_the_pdf_refuses_every_url(client, review, manager):
    """Remote and local URLs alike, with WeasyPrint's own fetching: a review naming one still renders, without it."""
    fetcher = local_only_fetcher_class()()
    for url in ("http://example.com/x.css", "https://picocore.invalid/static/reviews/print.css", "file:///etc/passwd"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    ServiceReview.objects.filter(pk=review.pk).update(summary='<img src="http://example.com/track.png">')
    client.force_login(manager)
    assert "Acme Ltd" in pdf_text(client.get(reverse("desk:review_pdf", args=[review.pk])))


def test_customer_admins_see_sent_reviews_and_their_pdf(client, review, manager, acme):
    client.force_login(acme.admin)
    assert list(client.get(reverse("portal:reviews")).context["reviews"]) == []
    assert client.get(reverse("portal:review", args=[review.pk])).status_code == 404  # a draft
    review_send(actor=manager, review_id=review.pk)
    listing = client.get(reverse("portal:reviews"))
    assert [r.pk for r in listing.context["reviews"]] == [review.pk]
    page = client.get(reverse("portal:review", args=[review.pk]))
    assert page.status_code == 200 and "Prices missing in the shop" in page.content.decode()
    assert "Acme Ltd" in pdf_text(client.get(reverse("portal:review_pdf", args=[review.pk])))


def test_requesters_and_other_organisations_get_nothing(client, review, manager, acme, operations_team):
    review_send(actor=manager, review_id=review.pk)
    nord = make_customer("NORD", operations_team)
    for user, listing_status in ((acme.requester, 200), (nord.admin, 200), (nord.requester, 200)):
        client.force_login(user)
        listing = client.get(reverse("portal:reviews"))
        assert listing.status_code == listing_status
        assert (
            "Prices missing" not in listing.content.decode()
            and f"/reviews/{review.pk}/" not in listing.content.decode()
        )
        for name in ("portal:review", "portal:review_pdf"):
            response = client.get(reverse(name, args=[review.pk]))
            assert response.status_code == 404 and "Prices missing" not in response.content.decode()
    outsider = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    client.force_login(outsider)
    for name in ("desk:review", "desk:review_pdf"):
        assert client.get(reverse(name, args=[review.pk])).status_code == 404
    assert client.post(reverse("desk:review_send", args=[review.pk])).status_code == 404
    assert client.get(reverse("desk:reviews")).context["listing"].reviews == []


def test_an_unreadable_filter_is_named(client, review, manager):
    client.force_login(manager)
    response = client.get(reverse("desk:reviews"), {"month": "January", "organisation": "acme"})
    assert response.status_code == 400
    assert "“January” is not a month (write it as 2027-01)." in response.content.decode()
    assert "Choose a customer from the list." in response.content.decode()
    found = client.get(reverse("desk:reviews"), {"month": "2027-01", "organisation": review.organisation_id})
    assert [r.pk for r in found.context["listing"].reviews] == [review.pk]
    assert client.get(reverse("desk:reviews"), {"month": "2027-02"}).context["listing"].reviews == []


def _more_reviews(count: int, operations_team) -> None:
    for index in range(count):
        customer = make_customer(f"X{index}", operations_team)
        review_make(contract=customer.organisation.contracts.get(), month=JANUARY)


@pytest.mark.parametrize("name", ["desk:reviews", "desk:review", "portal:reviews", "portal:review"])
def test_query_counts_do_not_grow(client, review, manager, acme, operations_team, name, django_assert_num_queries):
    review_send(actor=manager, review_id=review.pk)
    user = manager if name.startswith("desk") else acme.admin
    path = reverse(name, args=[review.pk] if name.endswith("review") else [])

    def count() -> int:
        client.force_login(user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    before = count()
    _more_reviews(3, operations_team)
    assert count() == before
