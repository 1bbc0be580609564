"""Malformed input in the portal's URLs and query strings: a 404 or the page, never a 500, nothing changed."""

import pytest

from tests.portal.support import state

pytestmark = pytest.mark.django_db

REQUEST_PATHS = {
    "/portal/requests/{key}/": "GET",
    "/portal/requests/{key}/reply/": "POST",
    "/portal/requests/{key}/confirm/": "POST",
    "/portal/requests/{key}/reopen/": "POST",
    "/portal/requests/{key}/files/1/": "GET",
}
BAD_KEYS = {"NUL": "ACME-1%00", "not UTF-8": "ACME-%ff", "number beyond any column": "ACME-" + "9" * 40}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_request_url_whose_key_cannot_be_a_key_is_not_found(client, world, key):
    """On PostgreSQL `ACME-1%00` was a 500: the key reached the query with its NUL."""
    client.force_login(world.acme.requester)
    before = state()
    answered = {}
    for path, method in REQUEST_PATHS.items():
        url = path.format(key=key)
        answered[path] = (client.get(url) if method == "GET" else client.post(url, {"body": "x"})).status_code
    assert answered == dict.fromkeys(REQUEST_PATHS, 404)
    assert state() == before


@pytest.mark.parametrize(
    "query", ["page=inf", "page=-1", f"page={2**64}", "page=%00", "show=%00&show=mine", "page=%ff", "show=%ff"]
)
def test_the_home_page_ignores_what_it_does_not_read(client, world, query):
    client.force_login(world.acme.requester)
    response = client.get(f"/portal/?{query}")
    assert response.status_code == 200
    assert [t.key for t in response.context["page"].rows] == ["ACME-1"]


@pytest.mark.parametrize("query", ["after=inf", "after=-1", f"after={2**64}", "after=%00", "after=%ff", "after=e30"])
def test_the_home_page_refuses_a_page_link_it_cannot_read(client, world, query):
    client.force_login(world.acme.requester)
    before = state()
    response = client.get(f"/portal/?{query}")
    assert response.status_code == 400
    assert [t.key for t in response.context["page"].rows] == ["ACME-1"]
    assert response.context["page_refused"] == "This page link is broken or out of date; here is the first page."
    assert state() == before
