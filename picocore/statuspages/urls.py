from django.urls import URLPattern, URLResolver, path

from picocore.statuspages import views

app_name = "statuspages"
urlpatterns: list[URLPattern | URLResolver] = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("<slug:slug>/", views.page, name="page"),
    path("<slug:slug>/subscribe/", views.subscribe, name="subscribe"),
]
