"""/api/v1/organisations/<slug>/request-types/: what the organisation's contract in force lets it ask for (the
portal's catalogue, `offered_request_types`), each with its form's questions and the answers they accept.
The organisation is one the person may see (404 for any other)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import api_organisation_get
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.request_types import RequestTypePageSerializer, RequestTypeSerializer
from picocore.api.views.base import ApiView
from picocore.catalog.models import FormField
from picocore.catalog.selectors import offered_request_types

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


class RequestTypeListView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(
        parameters=PAGE, responses={200: RequestTypePageSerializer, **ERRORS}, operation_id="request_types_list"
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = api_organisation_get(actor=self.actor, slug=slug)
        offered = offered_request_types(organisation=organisation).prefetch_related(
            Prefetch("fields", queryset=FormField.objects.order_by("position", "id"))
        )
        page = api_page(request, offered, field="position", descending=False)
        context = {"organisation_id": organisation.pk}
        return Response(
            paginated(request, page, list(RequestTypeSerializer(page.rows, many=True, context=context).data))
        )
