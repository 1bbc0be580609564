"""Each person's notifications and how they want to receive them; shared by customers and staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.notifications.forms import CUSTOMER_KINDS, STAFF_KINDS, PreferencesForm
from picocore.notifications.models import NotificationPreference
from picocore.notifications.selectors import notification_list as latest_notifications
from picocore.notifications.selectors import notification_unread_count
from picocore.notifications.services import notification_preferences_set, notifications_mark_read
from picocore.tenancy.http import AuthenticatedRequest

PAGE = 50


@require_GET
@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    """The person's latest notifications, newest first: only their own, and only those they may still see."""
    context = {
        "notifications": latest_notifications(actor=request.user, limit=PAGE),
        "unread": notification_unread_count(actor=request.user),
    }
    return render(request, "notifications/list.html", context)


@require_POST
@login_required
def notification_mark_read(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications_mark_read(actor=request.user)
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    kinds = STAFF_KINDS if request.user.is_service_staff else CUSTOMER_KINDS
    current = dict(NotificationPreference.objects.filter(user=request.user).values_list("kind", "channel"))
    form = PreferencesForm(request.POST or None, kinds=kinds, current=current)
    if request.method == "POST" and form.is_valid():
        notification_preferences_set(actor=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form}, status=400 if form.errors else 200)
