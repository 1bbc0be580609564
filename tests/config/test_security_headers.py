"""Every kind of answer carries the security headers production sends: HSTS (over HTTPS), a Content Security
Policy that allows no inline script, nosniff, frame denial and the referrer policy; and no page relies on inline
script or inline event handlers, which that policy would block."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PRODUCTION_HTTPS = {"SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
                    "SECURE_HSTS_PRELOAD": True}  # fmt: skip
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def _pages(acme, consultant):
    """(who, path) of every kind of page: anonymous, portal, desk, API, API docs, status page, a file."""
    ticket = acme.ticket()
    return [
        (None, reverse("accounts:login")),
        (acme.requester, reverse("portal:home")),
        (acme.requester, reverse("statuspages:page", args=[acme.organisation.slug])),
        (consultant, reverse("desk:queue", args=["team"])),
        (consultant, reverse("desk:ticket", args=[ticket.key])),
        (consultant, "/api/v1/tickets/"),
        (consultant, reverse("api:docs")),
        (consultant, "/does-not-exist/"),
    ]


@override_settings(**PRODUCTION_HTTPS)
def test_every_kind_of_answer_carries_the_security_headers(acme, consultant):
    for who, path in _pages(acme, consultant):
        client = Client()
        if who is not None:
            client.force_login(who)
        response = client.get(path, secure=True)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path
        policy = _policy(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval', no other host
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"], path
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert not INLINE_SCRIPT.findall(html), (path, INLINE_SCRIPT.findall(html))
            assert not INLINE_HANDLER.findall(html), (path, INLINE_HANDLER.findall(html)[:3])


def test_plain_http_gets_no_hsts_and_is_sent_to_https_in_production(acme):
    with override_settings(SECURE_SSL_REDIRECT=True, **PRODUCTION_HTTPS):
        response = Client().get(reverse("accounts:login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in response
