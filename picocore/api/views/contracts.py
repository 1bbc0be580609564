"""/api/v1/organisations/<slug>/contracts/: the contracts of an organisation the person may see (as
/api/v1/organisations/<slug>/ decides; 404 for any other), the most recently entered first, each with its tier,
term, hotline and guaranteed response times."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.pagination import api_page, paginated
from picocore.api.scopes import Scope
from picocore.api.selectors import api_organisation_get
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.contracts import ContractPageSerializer, ContractSerializer
from picocore.api.views.base import ApiView
from picocore.contracts.selectors import organisation_contract_list, organisation_date

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]


class ContractListView(ApiView):
    read_scope = Scope.DIRECTORY_READ

    @extend_schema(parameters=PAGE, responses={200: ContractPageSerializer, **ERRORS}, operation_id="contracts_list")
    def get(self, request: Request, slug: str) -> Response:
        organisation = api_organisation_get(actor=self.actor, slug=slug)
        contracts = organisation_contract_list(organisation=organisation)
        page = api_page(request, contracts, field="id", descending=True)
        context = {"today": organisation_date(organisation)}
        return Response(paginated(request, page, list(ContractSerializer(page.rows, many=True, context=context).data)))
