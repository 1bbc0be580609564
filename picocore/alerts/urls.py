from django.urls import URLPattern, URLResolver, path

import picocore.core.converters  # noqa: F401 (registers <id:…>)
from picocore.alerts import views

app_name = "alerts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.integration_list, name="integrations"),
    path("new/", views.integration_new, name="integration_new"),
    path("<id:integration_id>/", views.integration_detail, name="integration"),
    path("<id:integration_id>/edit/", views.integration_edit, name="integration_edit"),
    path("<id:integration_id>/delete/", views.integration_delete, name="integration_delete"),
    path("<id:integration_id>/rules/", views.rules_edit, name="rules"),
    path("<id:integration_id>/alerts/", views.alert_list, name="alerts"),
    path("<id:integration_id>/payloads/", views.payload_list, name="payloads"),
    path("<id:integration_id>/payloads/<id:payload_id>/", views.payload_detail, name="payload"),
    path("triage/", views.triage, name="triage"),
    path("triage/<id:alert_id>/", views.triage_alert, name="triage_alert"),
    path("triage/<id:alert_id>/map/", views.triage_map, name="triage_map"),
    path("triage/<id:alert_id>/dismiss/", views.triage_dismiss, name="triage_dismiss"),
]
