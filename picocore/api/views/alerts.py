"""POST /api/v1/alerts/<integration>/: a customer's monitoring posts its payload (Alertmanager webhook v4,
PagerDuty Events v2 or the generic shape, per the integration) with a token holding `alerts:ingest`.

The body is read raw (never parsed by the API first) and handed to `picocore.alerts.services.alert_receive`,
which stores it before anything else, so even a payload refused with 400 or 413 is kept. The answer (202) counts
what became of each alert: created, repeat counted, resolved, suppressed, sent to triage, …"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.alerts.parsers import MAX_BODY_BYTES
from picocore.alerts.services import alert_receive
from picocore.api.scopes import Scope
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.views.base import ApiView


class IntakeAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    payload = serializers.IntegerField(help_text="The stored payload's id.")
    counts = serializers.DictField(child=serializers.IntegerField())
    fingerprints = serializers.ListField(child=serializers.CharField())


class AlertIntakeView(ApiView):
    """Receive one monitoring payload for this integration; repeats of an open alert update its incident instead
    of filing another."""

    write_scope = Scope.ALERTS_INGEST

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            202: IntakeAnswerSerializer,
            **{code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 413, 429)},
        },
        operation_id="alerts_ingest",
    )
    def post(self, request: Request, slug: str) -> Response:
        body = request._request.read(MAX_BODY_BYTES + 1)
        result = alert_receive(
            actor=self.actor,
            slug=slug,
            body=body,
            content_type=request.content_type or "",
            source=(request.META.get("REMOTE_ADDR") or "")[:100],
        )
        answer = {"payload": result.payload_id, "counts": result.counts, "fingerprints": list(result.fingerprints)}
        return Response(answer, status=status.HTTP_202_ACCEPTED)
