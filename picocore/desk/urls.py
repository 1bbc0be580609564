from django.urls import path

# Imported for their registration of the <id:…> and <ticket_key:…> path converters.
import picocore.core.converters
import picocore.tickets.converters  # noqa: F401
from picocore.changes import desk_views as changes
from picocore.desk import views
from picocore.desk.views import change_calendar, landscape, ledger
from picocore.desk.views.development import development_item_time, development_item_timer
from picocore.desk.views.time import (
    ticket_overage_ask,
    ticket_time,
    ticket_time_entry,
    ticket_time_entry_delete,
    ticket_timer,
)
from picocore.reviews import desk_views as reviews

app_name = "desk"
urlpatterns = [
    path("", views.desk_home, name="home"),
    path("queues/<slug:slug>/", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<id:view_id>/", views.saved_view_open, name="saved_view_open"),
    path("views/<id:view_id>/rename/", views.saved_view_rename, name="saved_view_rename"),
    path("views/<id:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("phone/", views.phone_call, name="phone"),
    path("canned-replies/", views.canned_reply_list, name="canned_replies"),
    path("canned-replies/<id:reply_id>/", views.canned_reply_edit, name="canned_reply"),
    path("canned-replies/<id:reply_id>/delete/", views.canned_reply_delete, name="canned_reply_delete"),
    path("tickets/<ticket_key:key>/", views.ticket_detail, name="ticket"),
    path("tickets/<ticket_key:key>/take/", views.ticket_take, name="take"),
    path("tickets/<ticket_key:key>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<ticket_key:key>/status/", views.ticket_transition, name="transition"),
    path("tickets/<ticket_key:key>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<ticket_key:key>/note/", views.ticket_note, name="note"),
    path("tickets/<ticket_key:key>/presence/", views.ticket_presence, name="presence"),
    path("timeline-order/", views.timeline_order, name="timeline_order"),
    path("tickets/<ticket_key:key>/next-step/", views.ticket_next_step, name="next_step"),
    path("tickets/<ticket_key:key>/time/", ticket_time, name="ticket_time"),
    path("tickets/<ticket_key:key>/time/approval/", ticket_overage_ask, name="overage_ask"),
    path("tickets/<ticket_key:key>/time/timer/", ticket_timer, name="ticket_timer"),
    path("tickets/<ticket_key:key>/time/<id:entry_id>/", ticket_time_entry, name="ticket_time_entry"),
    path(
        "tickets/<ticket_key:key>/time/<id:entry_id>/delete/", ticket_time_entry_delete, name="ticket_time_entry_delete"
    ),
    path("tickets/<ticket_key:key>/priority/", views.ticket_priority, name="priority"),
    path("tickets/<ticket_key:key>/link/", views.ticket_link, name="link"),
    path("tickets/<ticket_key:key>/merge/", views.ticket_merge, name="merge"),
    path("tickets/<ticket_key:key>/hand-off/", views.ticket_hand_off, name="hand_off"),
    path("tickets/<ticket_key:key>/files/<id:attachment_id>/", views.attachment_download, name="attachment"),
    path("hours/", ledger.hours_list, name="hours"),
    path("hours/<id:contract_id>/<str:month>/", ledger.hours_month, name="hours_month"),
    path("hours/<id:contract_id>/<str:month>/adjust/", ledger.hours_adjust, name="hours_adjust"),
    path("hours/<id:contract_id>/<str:month>/close/", ledger.hours_close, name="hours_close"),
    path("changes/calendar/", change_calendar.desk_calendar, name="changes_calendar"),
    path("changes/feeds/", change_calendar.desk_feed, name="changes_feed"),
    path("changes/<id:change_id>/cab/", change_calendar.desk_cab_vote, name="change_cab_vote"),
    path("reviews/", reviews.desk_reviews, name="reviews"),
    path("reviews/<id:review_id>/", reviews.desk_review, name="review"),
    path("reviews/<id:review_id>/send/", reviews.desk_review_send, name="review_send"),
    path("reviews/<id:review_id>/pdf/", reviews.desk_review_pdf, name="review_pdf"),
    path("tickets/<ticket_key:key>/impact/", landscape.ticket_impact, name="ticket_impact"),
    path("tickets/<ticket_key:key>/component/", landscape.ticket_component, name="ticket_component"),
    path("landscape/", landscape.landscape_list, name="landscapes"),
    path("landscape/<id:organisation_id>/", landscape.landscape_detail, name="landscape"),
    path("landscape/<id:organisation_id>/import/", landscape.landscape_import, name="landscape_import"),
    path(
        "landscape/<id:organisation_id>/components.csv",
        landscape.landscape_export,
        {"what": "components"},
        name="landscape_components_csv",
    ),
    path(
        "landscape/<id:organisation_id>/integrations.csv",
        landscape.landscape_export,
        {"what": "integrations"},
        name="landscape_integrations_csv",
    ),
    path("landscape/<id:organisation_id>/components/new/", landscape.component_new, name="component_new"),
    path("landscape/<id:organisation_id>/integrations/new/", landscape.integration_new, name="integration_new"),
    path("landscape/<id:organisation_id>/contacts/new/", landscape.contact_new, name="contact_new"),
    path("components/<id:component_id>/", landscape.component_detail, name="component"),
    path("components/<id:component_id>/edit/", landscape.component_edit, name="component_edit"),
    path("components/<id:component_id>/delete/", landscape.component_delete, name="component_delete"),
    path("components/<id:component_id>/runbook/", landscape.runbook_revise, name="runbook_revise"),
    path("integrations/<id:integration_id>/edit/", landscape.integration_edit, name="integration_edit"),
    path("integrations/<id:integration_id>/delete/", landscape.integration_delete, name="integration_delete"),
    path("contacts/<id:contact_id>/edit/", landscape.contact_edit, name="contact_edit"),
    path("contacts/<id:contact_id>/delete/", landscape.contact_delete, name="contact_delete"),
    path("changes/", changes.desk_changes, name="changes"),
    path("changes/new/", changes.desk_change_new, name="change_new"),
    path("changes/<id:change_id>/", changes.desk_change, name="change"),
    path("changes/<id:change_id>/components/", changes.desk_change_components, name="change_components"),
    path("changes/<id:change_id>/schedule/", changes.desk_change_schedule, name="change_schedule"),
    path("changes/<id:change_id>/status/", changes.desk_change_transition, name="change_transition"),
    path("changes/<id:change_id>/review/", changes.desk_change_review, name="change_review"),
    path("tickets/<ticket_key:key>/change/", changes.desk_change_from_ticket, name="change_from_ticket"),
    path("development/", views.development_list, name="development"),
    path("development/<id:item_id>/", views.development_item, name="development_item"),
    path("development/<id:item_id>/time/", development_item_time, name="development_item_time"),
    path("development/<id:item_id>/time/timer/", development_item_timer, name="development_item_timer"),
]
