"""The answer to a path under /api/ that names no resource: the envelope's 404 in JSON, for every method."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from picocore.api.errors import envelope


@csrf_exempt
def not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(envelope("not_found", _("No such resource in this API.")), status=404)
