"""/api/: the first version's resources, the OpenAPI 3 document and its Swagger UI (served from the
application: the sidecar package's files, nothing from a CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from picocore.api.views.missing import not_found

app_name = "api"
urlpatterns = [
    path("v1/", include("picocore.api.v1_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other path under /api/ is the envelope's 404, never the pages' HTML one.
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
