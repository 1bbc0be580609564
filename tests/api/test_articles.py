"""/api/v1/articles/: the desk's articles for the service team (internal and drafts too, with owner and review
date), the portal's for customers (published, customer-facing, for every customer or for theirs), none for
developers."""

import pytest

from picocore.knowledge.models import Article
from picocore.knowledge.services import ArticleFields, article_create, article_publish
from tests.api.conftest import ApiWorld, error_of, read_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/articles/"


def article(world: ApiWorld, title: str, *, publish: bool = True, organisations=(), **fields) -> Article:
    made = article_create(actor=world.consultant, fields=ArticleFields(
        title=title, body_html=f"<p>{title} body</p>", for_all_customers=not organisations,
        organisation_ids=[o.pk for o in organisations], **fields))  # fmt: skip
    if publish:
        article_publish(actor=world.consultant, article_id=made.pk)
    return Article.objects.get(pk=made.pk)


def test_staff_and_customers_read_what_their_pages_show(world: ApiWorld):
    everyone = article(world, "Clearing the cache", audience="customers")
    acme_and_nord = article(world, "The import", audience="customers",
                            organisations=[world.acme.organisation, world.nord.organisation])  # fmt: skip
    internal = article(world, "Internal runbook")
    draft = article(world, "Draft for customers", audience="customers", publish=False)
    nord_only = article(world, "Nord's own", audience="customers", organisations=[world.nord.organisation])
    staff = world.api(world.consultant)
    titles = {a["title"] for a in staff.get(LIST).json()["results"]}
    assert titles == {"Clearing the cache", "The import", "Internal runbook", "Draft for customers", "Nord's own"}
    body = staff.get(f"{LIST}{internal.slug}/").json()
    assert body["owner"]["id"] == world.consultant.pk and body["audience"] == "internal"
    assert body["review_due"] is not None and body["body_html"] == "<p>Internal runbook body</p>"
    assert [o["slug"] for o in staff.get(f"{LIST}{acme_and_nord.pk}/").json()["organisations"]] == sorted(
        [world.acme.organisation.slug, world.nord.organisation.slug],
        key={world.acme.organisation.slug: world.acme.organisation.name,
             world.nord.organisation.slug: world.nord.organisation.name}.get,
    )  # fmt: skip
    for customer in (world.acme.requester, world.acme.admin):
        api = world.api(customer)
        assert {a["title"] for a in api.get(LIST).json()["results"]} == {"Clearing the cache", "The import"}
        shown = api.get(f"{LIST}{acme_and_nord.slug}/").json()
        # Told of their own organisation only, never of the other one the article is for.
        assert [o["slug"] for o in shown["organisations"]] == [world.acme.organisation.slug]
        assert shown["owner"] is None and shown["review_due"] is None
        assert api.get(f"{LIST}{everyone.pk}/").status_code == 200
        for hidden in (internal, draft, nord_only):
            assert api.get(f"{LIST}{hidden.slug}/").status_code == 404
            assert api.get(f"{LIST}{hidden.pk}/").status_code == 404
    developer = world.api(world.developer)
    assert developer.get(LIST).json()["results"] == []
    assert developer.get(f"{LIST}{everyone.slug}/").status_code == 404


def test_scopes_and_bad_references(world: ApiWorld):
    shown = article(world, "Clearing the cache", audience="customers")
    api = world.api(world.acme.requester, {"tickets:read"})
    for path in (LIST, f"{LIST}{shown.slug}/"):
        response = api.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied", path
    api = world.api(world.acme.requester)
    for ref in ("x" * 300, "no-such", "99999999999999999999999", "%00"):
        response = api.get(f"{LIST}{ref}/")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found", ref
    assert "cursor" in error_of(api.get(LIST, cursor="\x00"))["fields"]


def test_the_detail_carries_an_etag(world: ApiWorld):
    shown = article(world, "Clearing the cache", audience="customers")
    api = world.api(world.acme.requester)
    path = f"{LIST}{shown.slug}/"
    etag = api.get(path)["ETag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    Article.objects.filter(pk=shown.pk).update(title="Clearing caches")
    shown.refresh_from_db()
    shown.save()
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_the_list_costs_the_same_for_more_articles(world: ApiWorld):
    article(world, "First", audience="customers")
    staff, customer = world.api(world.consultant), world.api(world.acme.requester)
    before = read_statements(staff, LIST), read_statements(customer, LIST)
    for n in range(4):
        article(world, f"More {n}", audience="customers", organisations=[world.acme.organisation])
    assert (read_statements(staff, LIST), read_statements(customer, LIST)) == before
    first = customer.get(LIST, page_size=2).json()
    second = customer.client.get(first["next"], headers=customer._headers(None)).json()
    assert len({a["id"] for a in first["results"] + second["results"]}) == 4
