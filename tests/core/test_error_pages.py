"""Error pages keep the header and offer a way back; the 500 page renders with no request, session or database."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults

from picocore.core.views import bad_request, server_error

pytestmark = pytest.mark.django_db

HEADER = '<header class="site-header">'
BRAND = '<a class="brand" href="/" translate="no">Pico<span>Core</span></a>'
BACK = '<a href="/">Back to your requests</a>'


def test_404_keeps_the_header_the_nav_and_a_way_back(client, acme):
    client.force_login(acme.requester)
    response = client.get("/portal/requests/ACME-999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert HEADER in content and BRAND in content and BACK in content
    assert '<a href="/portal/">My requests</a>' in content
    assert "ACME Requester" in content  # who is signed in, with the sign-out button
    assert "Sign out" in content


def test_404_for_staff_leads_back_to_the_desk(client, consultant):
    client.force_login(consultant)
    response = client.get("/desk/tickets/NOPE-1/")
    assert response.status_code == 404
    assert '<a href="/desk/">Desk</a>' in response.content.decode()


def test_404_signed_out_still_has_the_header(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert HEADER in content and BRAND in content and BACK in content


def test_403_keeps_the_header_and_a_way_back(acme):
    request = RequestFactory().get("/somewhere/")
    request.user = acme.requester
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    content = response.content.decode()
    assert "Not allowed" in content and HEADER in content and BACK in content
    assert '<a href="/portal/">My requests</a>' in content


def test_400_keeps_the_header_and_a_way_back(acme):
    request = RequestFactory().get("/somewhere/")
    request.user = acme.requester
    response = bad_request(request, ValueError("bad"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Bad request" in content and HEADER in content and BACK in content


def test_500_renders_without_a_request_context_or_the_database(django_assert_num_queries):
    request = RequestFactory().get("/somewhere/")  # no user, no session
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    content = response.content.decode()
    assert HEADER in content and BRAND in content and BACK in content
    assert "Something went wrong" in content
    assert 'href="/static/picocore/app.css"' in content or "app.css" in content


def test_an_unhandled_error_answers_the_500_page(client, acme, monkeypatch):
    import picocore.portal.views as portal_views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(portal_views, "portal_ticket_get", broken)
    client.raise_request_exception = False
    client.force_login(acme.requester)
    response = client.get("/portal/requests/ACME-1/")
    assert response.status_code == 500
    assert BACK in response.content.decode()
