"""The committed OpenAPI document is what the code describes, and the docs are served from the application."""

from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

import picocore.api

COMMITTED = Path(picocore.api.__file__).parent / "openapi.yaml"


def test_the_committed_schema_is_current():
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        generated = OpenApiYamlRenderer().render(schema, renderer_context={})
    assert generated.decode() == COMMITTED.read_text(), "the API changed: run `make schema` and commit the result"


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_served_locally():
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/tickets/" in schema.content
    docs = client.get("/api/docs/")
    page = docs.content.decode()
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "https://" not in page.replace("https://swagger.io", "")
    assert "<script>" not in page  # the page's script is a separate file: the CSP allows no inline script
