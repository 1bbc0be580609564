"""Logging a phone call as a ticket."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from picocore.core.errors import PicoCoreError
from picocore.desk import forms
from picocore.desk.services import phone_call_log
from picocore.desk.views.common import desk_page, error_text
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.scope import served_organisations
from picocore.tickets.choices import Channel


@require_http_methods(["GET", "POST"])
@desk_page
def phone_call(request: AuthenticatedRequest) -> HttpResponse:
    """Log a phone call as a ticket in one step; whoever logs it owns it."""
    organisations = served_organisations(request.user)
    form = forms.PhoneCallForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            membership, environment = data["contact"], data["environment"]
            try:
                ticket = phone_call_log(
                    actor=request.user,
                    requester=membership.user,
                    organisation=membership.organisation,
                    request_type=data["request_type"],
                    title=data["title"],
                    description=data["description"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    solution=environment.solution if environment else None,
                    environment=environment,
                    channel=Channel.PHONE,
                    submission=data["submission"],
                )
            except PicoCoreError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(
                    request, _("%(key)s logged for %(who)s.") % {"key": ticket.key, "who": membership.user}
                )
                return redirect("desk:ticket", key=ticket.key)
    return render(request, "desk/phone.html", {"nav": "phone", "form": form}, status=status)
