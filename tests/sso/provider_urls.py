"""PicoCore's URLs plus a real OpenID Connect provider under /o/ (django-oauth-toolkit), for the single sign-on
tests: the provider's discovery, JWKS, authorize and token endpoints, served by `live_server` on loopback. The
authorize endpoint is django-oauth-toolkit's, made to honour `max_age` (`tests.sso.provider`)."""

from django.urls import include, path

from picocore.config.urls import handler400, handler500
from picocore.config.urls import urlpatterns as picocore_urls
from tests.sso.provider import MaxAgeAuthorizationView

__all__ = ["handler400", "handler500", "urlpatterns"]

urlpatterns = [
    path("o/authorize/", MaxAgeAuthorizationView.as_view()),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *picocore_urls,
]
