from django.urls import path

from picocore.satisfaction import views

app_name = "satisfaction"
urlpatterns = [path("<str:token>/", views.rate, name="rate")]
