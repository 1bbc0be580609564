from django.urls import URLPattern, URLResolver, path

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.webhooks import views

app_name = "webhooks"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.subscription_list, name="subscriptions"),
    path("new/", views.subscription_new, name="subscription_new"),
    path("<id:subscription_id>/", views.subscription_detail, name="subscription"),
    path("<id:subscription_id>/edit/", views.subscription_edit, name="subscription_edit"),
    path("<id:subscription_id>/rotate/", views.subscription_rotate, name="subscription_rotate"),
    path("<id:subscription_id>/ping/", views.subscription_ping, name="subscription_ping"),
    path("<id:subscription_id>/disable/", views.subscription_disable, name="subscription_disable"),
    path("<id:subscription_id>/enable/", views.subscription_enable, name="subscription_enable"),
    path("<id:subscription_id>/delete/", views.subscription_delete, name="subscription_delete"),
    path(
        "<id:subscription_id>/deliveries/<id:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
