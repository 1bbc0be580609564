from django.urls import URLPattern, URLResolver, path

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.privacy import views

app_name = "privacy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/privacy/", views.desk_index, name="desk_index"),
    path("desk/privacy/people/<id:person_id>/", views.desk_person, name="desk_person"),
    path("desk/privacy/people/<id:person_id>/export/", views.desk_export_start, name="desk_export_start"),
    path("desk/privacy/people/<id:person_id>/erase/", views.desk_erase, name="desk_erase"),
    path("desk/privacy/erasures/<id:erasure_id>/", views.desk_erasure, name="desk_erasure"),
    path("desk/privacy/exports/<uuid:export_uid>/", views.desk_export, name="desk_export"),
    path("desk/privacy/exports/<uuid:export_uid>/download/", views.desk_export_download, name="desk_export_download"),
    path("desk/privacy/exports/<uuid:export_uid>/retry/", views.desk_export_retry, name="desk_export_retry"),
    path("desk/privacy/holds/", views.desk_hold_set, name="desk_hold_set"),
    path("desk/privacy/holds/<id:hold_id>/lift/", views.desk_hold_lift, name="desk_hold_lift"),
    path("portal/privacy/", views.portal_index, name="portal_index"),
    path("portal/privacy/people/<id:person_id>/", views.portal_person, name="portal_person"),
    path("portal/privacy/people/<id:person_id>/export/", views.portal_export_start, name="portal_export_start"),
    path("portal/privacy/people/<id:person_id>/erase/", views.portal_erase, name="portal_erase"),
    path("portal/privacy/erasures/<id:erasure_id>/", views.portal_erasure, name="portal_erasure"),
    path("portal/privacy/exports/<uuid:export_uid>/", views.portal_export, name="portal_export"),
    path(
        "portal/privacy/exports/<uuid:export_uid>/download/",
        views.portal_export_download,
        name="portal_export_download",
    ),
    path("portal/privacy/exports/<uuid:export_uid>/retry/", views.portal_export_retry, name="portal_export_retry"),
]
