"""The test provider's claims: django-oauth-toolkit's validator, told by each test what the ID token says about
the person signed in at the provider (their address, name and groups)."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

# The provider account's e-mail address → the claims its ID tokens carry.
CLAIMS: dict[str, dict[str, Any]] = {}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return dict(CLAIMS.get(request.user.email, {}))
