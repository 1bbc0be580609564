from django.urls import path

from picocore.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("new/", views.catalogue, name="catalogue"),
    path("new/<slug:slug>/", views.new_request, name="new_request"),
    path("requests/<str:key>/", views.request_detail, name="request"),
    path("requests/<str:key>/reply/", views.request_reply, name="reply"),
    path("requests/<str:key>/confirm/", views.request_confirm, name="confirm"),
    path("requests/<str:key>/reopen/", views.request_reopen, name="reopen"),
    path("requests/<str:key>/files/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
