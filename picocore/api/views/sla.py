"""/api/v1/tickets/<key>/sla/: the SLA clocks of a ticket the person may see (`api_ticket_get`: the desk's
reading for the service team, the portal's for customers; 404 for any other), in metric order. A ticket has at
most one clock per metric, so this is one short list, not a page."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.scopes import Scope
from picocore.api.selectors import api_ticket_get
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.sla import TicketSlaSerializer
from picocore.api.views.base import ApiView
from picocore.contracts.models import SlaMetric
from picocore.sla.selectors import ticket_clocks

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (401, 403, 404, 429)}
ORDER = [metric.value for metric in SlaMetric]


class TicketSlaView(ApiView):
    read_scope = Scope.TICKETS_READ

    @extend_schema(responses={200: TicketSlaSerializer, **ERRORS}, operation_id="tickets_sla_retrieve")
    def get(self, request: Request, key: str) -> Response:
        ticket = api_ticket_get(actor=self.actor, key=key)
        clocks = ticket_clocks(ticket)
        ordered = [clocks[metric] for metric in ORDER if metric in clocks]
        return Response(TicketSlaSerializer({"ticket": ticket.key, "clocks": ordered}).data)
