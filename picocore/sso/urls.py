from django.urls import URLPattern, URLResolver, path

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.sso import views

app_name = "sso"
urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/sso/callback/", views.callback, name="callback"),
    path("desk/sso/", views.organisation_list, name="organisations"),
    path("desk/sso/<id:organisation_id>/", views.organisation_edit, name="organisation"),
]
