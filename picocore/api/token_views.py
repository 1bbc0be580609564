"""A person's API tokens in their account: create (the secret shown once, on the answer to the post, never
again and never cached; only after a fresh second factor, or the password for people without one), list with
scopes, expiry and last use, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from picocore.accounts.stepup import recent_proof, require_recent_second_factor, step_up_url
from picocore.api.forms import TokenForm
from picocore.api.tokens import api_token_create, api_token_revoke, api_tokens_of
from picocore.core.errors import NotFound, PicoCoreError
from picocore.core.forms import show_service_errors
from picocore.tenancy.http import AuthenticatedRequest


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@require_recent_second_factor
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    """The person's tokens and the form for a new one; after a successful post, the new token's secret."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(actor=request.user, **form.token_arguments())
        except PicoCoreError as error:
            show_service_errors(form, error)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "tokens": api_tokens_of(actor=request.user),
        "created": created,
        "step_up": None if recent_proof(request) else step_up_url(request.path),
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    try:
        token = api_token_revoke(actor=request.user, token_id=token_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
