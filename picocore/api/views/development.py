"""/api/v1/development-items/: the development work the person may see, as the development board shows it — a
developer their teams' items, service managers and administrators every one — the most recently updated first,
optionally at one milestone, and one by id. Customers and the operations team outside a development team see
none (a customer follows the milestones on the request itself). Any other item is absent from the list and 404
by id, the same answer as for one that does not exist."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.pagination import api_page, paginated
from picocore.api.params import choice_param
from picocore.api.scopes import Scope
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.development import DevelopmentItemPageSerializer, DevelopmentItemSerializer
from picocore.api.views.base import ApiView
from picocore.development.choices import Milestone
from picocore.development.selectors import development_item_get, development_items_for

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
LIST_PARAMETERS = [
    OpenApiParameter("milestone", str, enum=Milestone.values),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]
ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH)


class DevelopmentItemListView(ApiView):
    read_scope = Scope.DEVELOPMENT_READ

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: DevelopmentItemPageSerializer, **ERRORS},
        operation_id="development_items_list",
    )
    def get(self, request: Request) -> Response:
        milestone = choice_param(request, "milestone", Milestone.values)
        items = development_items_for(actor=self.actor, milestone=milestone)
        page = api_page(request, items, field="updated_at", descending=True)
        return Response(paginated(request, page, list(DevelopmentItemSerializer(page.rows, many=True).data)))


class DevelopmentItemDetailView(ApiView):
    read_scope = Scope.DEVELOPMENT_READ

    @extend_schema(
        parameters=[ITEM_ID],
        responses={200: DevelopmentItemSerializer, 304: None, **ERRORS},
        operation_id="development_items_retrieve",
    )
    def get(self, request: Request, item_id: int) -> Response:
        item = development_item_get(actor=self.actor, item_id=item_id)
        etag = etag_for("development-item", item.pk, item.updated_at.isoformat())
        return tagged_response(request, etag, lambda: DevelopmentItemSerializer(item).data)
