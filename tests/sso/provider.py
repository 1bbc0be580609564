"""The test provider's claims and its authorization endpoint: django-oauth-toolkit's validator, told by each test
what the ID token says about the person signed in at the provider (their address, name, groups and, to play a
provider that gets it wrong, `auth_time`: None leaves it out); and its authorization view, which honours `max_age`
(OpenID Connect Core §3.1.2.1) as it already honours `prompt=login`: a person who signed in at the provider longer
ago is sent to sign in again first."""

import datetime as dt
import urllib.parse
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView

# The provider account's e-mail address → the claims its ID tokens carry.
CLAIMS: dict[str, dict[str, Any]] = {}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return {name: value for name, value in CLAIMS.get(request.user.email, {}).items() if name != "auth_time"}

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> tuple[dict[str, Any], Any]:
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)  # auth_time: last sign-in
        wanted = CLAIMS.get(request.user.email, {})
        if "auth_time" in wanted:
            claims.pop("auth_time")
            if wanted["auth_time"] is not None:
                claims["auth_time"] = wanted["auth_time"]
        return claims, expires


class MaxAgeAuthorizationView(AuthorizationView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        max_age = request.GET.get("max_age")
        if max_age is not None and max_age.isdigit():
            signed_in = request.user.last_login or timezone.now()
            if timezone.now() - signed_in > dt.timedelta(seconds=int(max_age)):
                # Back here after the sign-in, without the request to sign in again.
                query = {k: v for k, v in request.GET.items() if k not in ("max_age", "prompt")}
                return redirect_to_login(f"{request.path}?{urllib.parse.urlencode(query)}")
        return super().get(request, *args, **kwargs)
