"""/api/v1/organisations/: the organisations the person serves (the service team) or belongs to (customers),
by name, and one by slug. Any other organisation is absent from the list and 404 by slug, the same answer as
for one that does not exist."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, not_modified
from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import api_organisation_get, api_organisations
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.organisations import OrganisationPageSerializer, OrganisationSerializer
from picocore.api.views.base import ApiView

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


class OrganisationListView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(
        parameters=PAGE, responses={200: OrganisationPageSerializer, **ERRORS}, operation_id="organisations_list"
    )
    def get(self, request: Request) -> Response:
        page = api_page(request, api_organisations(actor=self.actor), field="name", descending=False)
        return Response(paginated(request, page, list(OrganisationSerializer(page.rows, many=True).data)))


class OrganisationDetailView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(responses={200: OrganisationSerializer, 304: None, **ERRORS}, operation_id="organisations_retrieve")
    def get(self, request: Request, slug: str) -> Response:
        organisation = api_organisation_get(actor=self.actor, slug=slug)
        etag = etag_for("organisation", organisation.pk, organisation.updated_at.isoformat())
        response = (
            Response(status=status.HTTP_304_NOT_MODIFIED)
            if not_modified(request, etag)
            else Response(OrganisationSerializer(organisation).data)
        )
        response["ETag"] = etag
        return response
