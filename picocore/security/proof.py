"""The record, in a browser session, of when its person last proved themselves and how. Written by whatever
checks a proof (the sign-in and step-up pages, single sign-on's step-up answer); read by
`picocore.accounts.stepup.recent_proof`, which decides what a proof is worth."""

from typing import Literal

from django.http import HttpRequest

from picocore.core.clock import now

PROOF_KEY = "picocore.proof"
# How the person proved themselves: their second factor (app, recovery code or passkey), their password, or a
# fresh sign-in at their organisation's identity provider (for people with neither app nor password).
Factor = Literal["second_factor", "password", "provider"]


def proof_record(request: HttpRequest, factor: Factor) -> None:
    """Record that the session's person has just proved themselves with `factor`."""
    request.session[PROOF_KEY] = {"at": now().isoformat(), "factor": factor}
