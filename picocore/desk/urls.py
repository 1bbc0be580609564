from django.urls import path

from picocore.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.desk_home, name="home"),
    path("queues/<slug:slug>/", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("phone/", views.phone_call, name="phone"),
    path("tickets/<str:key>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:key>/take/", views.ticket_take, name="take"),
    path("tickets/<str:key>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<str:key>/status/", views.ticket_transition, name="transition"),
    path("tickets/<str:key>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<str:key>/note/", views.ticket_note, name="note"),
    path("tickets/<str:key>/next-step/", views.ticket_next_step, name="next_step"),
    path("tickets/<str:key>/priority/", views.ticket_priority, name="priority"),
    path("tickets/<str:key>/link/", views.ticket_link, name="link"),
    path("tickets/<str:key>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<str:key>/hand-off/", views.ticket_hand_off, name="hand_off"),
    path("tickets/<str:key>/files/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("development/", views.development_list, name="development"),
    path("development/<int:item_id>/", views.development_item, name="development_item"),
]
