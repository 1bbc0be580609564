from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from picocore.core.views import healthz
from picocore.portal.context import portal_memberships
from picocore.tenancy.http import AuthenticatedRequest


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Staff land on the desk, customers in the portal."""
    if request.user.is_service_staff and not portal_memberships(request):
        return redirect("desk:home")
    return redirect("portal:home")


handler400 = "picocore.core.views.bad_request"
handler500 = "picocore.core.views.server_error"

admin.site.site_header = _("PicoCore administration")
admin.site.site_title = "PicoCore"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/tokens/", include("picocore.api.token_urls")),
    path("", include("picocore.sso.urls")),
    path("accounts/", include("picocore.accounts.urls")),
    path("notifications/", include("picocore.notifications.urls")),
    path("portal/", include("picocore.members.urls")),
    path("", include("picocore.privacy.urls")),
    path("portal/", include("picocore.portal.urls")),
    path("changes/", include("picocore.portal.change_links_urls")),
    path("rate/", include("picocore.satisfaction.urls")),
    path("desk/reports/", include("picocore.reports.urls")),
    path("desk/mail/", include("picocore.mail.urls")),
    path("desk/webhooks/", include("picocore.webhooks.urls")),
    path("desk/alerts/", include("picocore.alerts.urls")),
    path("desk/status/", include("picocore.statuspages.desk_urls")),
    path("desk/", include("picocore.desk.urls")),
    path("status/", include("picocore.statuspages.urls")),
    path("api/", include("picocore.api.urls")),
    path("admin/", admin.site.urls),
]
