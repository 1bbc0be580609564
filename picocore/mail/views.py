"""The full e-mail behind a reply or a request that came by e-mail: what the timeline shows trimmed."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from picocore.core.errors import NotFound
from picocore.mail.selectors import inbound_message_get
from picocore.tenancy.http import AuthenticatedRequest


@require_GET
@login_required
def message_detail(request: AuthenticatedRequest, key: str, message_id: int) -> HttpResponse:
    try:
        message = inbound_message_get(actor=request.user, key=key, message_id=message_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "mail/message.html", {"message": message, "ticket": message.ticket})
