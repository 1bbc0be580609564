"""/api/v1/components/: the components of the customers' landscapes the person may see — the organisations the
service team serves, a customer's own organisations (as the landscape page shows them) — by name, optionally of
one organisation, and one by id. Any other component is absent from the list and 404 by id, the same answer as
for one that does not exist. Developers see none."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.pagination import api_page, paginated
from picocore.api.params import id_param
from picocore.api.scopes import Scope
from picocore.api.selectors import api_component_get, api_components, works_as_staff
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.components import ComponentPageSerializer, ComponentSerializer
from picocore.api.views.base import ApiView

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
LIST_PARAMETERS = [
    OpenApiParameter("organisation", int, description="Organisation id."),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]
COMPONENT_ID = OpenApiParameter("component_id", int, OpenApiParameter.PATH)


class ComponentListView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(
        parameters=LIST_PARAMETERS, responses={200: ComponentPageSerializer, **ERRORS}, operation_id="components_list"
    )
    def get(self, request: Request) -> Response:
        components = api_components(actor=self.actor, organisation_id=id_param(request, "organisation"))
        page = api_page(request, components, field="name", descending=False)
        context = {"staff": works_as_staff(self.actor)}
        return Response(paginated(request, page, list(ComponentSerializer(page.rows, many=True, context=context).data)))


class ComponentDetailView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(
        parameters=[COMPONENT_ID],
        responses={200: ComponentSerializer, 304: None, **ERRORS},
        operation_id="components_retrieve",
    )
    def get(self, request: Request, component_id: int) -> Response:
        component = api_component_get(actor=self.actor, component_id=component_id)
        staff = works_as_staff(self.actor)
        # The representation differs by reader and shows the current runbook's version: both are in the tag.
        version = f"{component.updated_at.isoformat()}:{staff}:{getattr(component, 'runbook_number', None)}"
        etag = etag_for("component", component.pk, version)
        return tagged_response(request, etag, lambda: ComponentSerializer(component, context={"staff": staff}).data)
