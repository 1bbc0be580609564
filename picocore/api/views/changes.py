"""/api/v1/changes/: the changes the person may see — for the service team those of the organisations it serves
(as the desk's change list), for customers those of their own organisations as the portal shows them (never a
draft) — the most recently created first, optionally of one organisation or status, and one by id. Any other
change is absent from the list and 404 by id, the same answer as for one that does not exist. Developers see
none."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.pagination import api_page, paginated
from picocore.api.params import choice_param, id_param
from picocore.api.scopes import Scope
from picocore.api.selectors import api_change_get, api_changes, works_as_staff
from picocore.api.serializers.changes import ChangePageSerializer, ChangeSerializer
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.views.base import ApiView
from picocore.changes.choices import ChangeStatus
from picocore.changes.models import Change, ChangeComponent

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
LIST_PARAMETERS = [
    OpenApiParameter("organisation", int, description="Organisation id."),
    OpenApiParameter("status", str, enum=ChangeStatus.values),
    OpenApiParameter("cursor", str),
    OpenApiParameter("page_size", int),
]
CHANGE_ID = OpenApiParameter("change_id", int, OpenApiParameter.PATH)


def _with_components(changes: list[Change]) -> None:
    """The confirmed components of the page's changes, in one query."""
    if changes:
        prefetch_related_objects(changes, Prefetch("affected", ChangeComponent.objects.select_related("component")))


class ChangeListView(ApiView):
    read_scope = Scope.CHANGES_READ

    @extend_schema(
        parameters=LIST_PARAMETERS, responses={200: ChangePageSerializer, **ERRORS}, operation_id="changes_list"
    )
    def get(self, request: Request) -> Response:
        changes = api_changes(
            actor=self.actor,
            organisation_id=id_param(request, "organisation"),
            status=choice_param(request, "status", ChangeStatus.values),
        )
        page = api_page(request, changes, field="created_at", descending=True)
        _with_components(page.rows)
        context = {"staff": works_as_staff(self.actor)}
        return Response(paginated(request, page, list(ChangeSerializer(page.rows, many=True, context=context).data)))


class ChangeDetailView(ApiView):
    read_scope = Scope.CHANGES_READ

    @extend_schema(
        parameters=[CHANGE_ID], responses={200: ChangeSerializer, 304: None, **ERRORS}, operation_id="changes_retrieve"
    )
    def get(self, request: Request, change_id: int) -> Response:
        change = api_change_get(actor=self.actor, change_id=change_id)
        staff = works_as_staff(self.actor)
        _with_components([change])
        confirmed = ",".join(str(row.component_id) for row in change.affected.all())
        etag = etag_for("change", change.pk, f"{change.updated_at.isoformat()}:{staff}:{confirmed}")
        return tagged_response(request, etag, lambda: ChangeSerializer(change, context={"staff": staff}).data)
