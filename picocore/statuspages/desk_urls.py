from django.urls import URLPattern, URLResolver, path

import picocore.core.converters  # noqa: F401 (registers <id:…>)
from picocore.statuspages import desk_views as views

app_name = "statuspages_desk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<id:organisation_id>/", views.organisation, name="organisation"),
    path("<id:organisation_id>/settings/", views.settings_update, name="settings"),
    path("<id:organisation_id>/link/", views.link_rotate, name="link"),
    path("<id:organisation_id>/incidents/", views.incident_new, name="incident_new"),
    path("<id:organisation_id>/outages/<id:component_id>/", views.outage, name="outage"),
    path("<id:organisation_id>/subscribers/", views.subscriber_new, name="subscriber_new"),
    path("incidents/<id:incident_id>/", views.incident, name="incident"),
    path("incidents/<id:incident_id>/updates/", views.update_new, name="update_new"),
    path("incidents/<id:incident_id>/confirm/", views.incident_confirm, name="incident_confirm"),
    path("subscribers/<id:subscriber_id>/remove/", views.subscriber_remove, name="subscriber_remove"),
]
