"""/api/v1/problems/ and /api/v1/known-issues/. Problems are the service team's, as the desk's problem list reads
them: those affecting a customer the person serves (or none yet), the most recently changed first, optionally
of one status or organisation, with only the customers and incidents they serve; customers and developers see
none. Known issues are what a customer reads in the portal: those of the problems affecting one of their
organisations, published and not closed. Any other problem or known issue is absent from the lists and 404 by
id, the same answer as for one that does not exist."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from picocore.api.conditional import etag_for, tagged_response
from picocore.api.pagination import api_page, paginated
from picocore.api.params import choice_param, id_param
from picocore.api.scopes import Scope
from picocore.api.selectors import api_known_issue_get, api_known_issues, api_problem_get, api_problems
from picocore.api.serializers.common import ErrorSerializer
from picocore.api.serializers.problems import (
    KnownIssuePageSerializer,
    KnownIssueSerializer,
    ProblemPageSerializer,
    ProblemSerializer,
)
from picocore.api.views.base import ApiView
from picocore.problems.choices import ProblemStatus
from picocore.problems.selectors import ProblemFilters, affected_customers, as_known_issue

ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 401, 403, 404, 429)}
PAGE = [OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)]
PROBLEM_FILTERS = [
    OpenApiParameter("status", str, enum=ProblemStatus.values),
    OpenApiParameter("organisation", int, description="Organisation id: the problems affecting it."),
    *PAGE,
]
PROBLEM_ID = OpenApiParameter("problem_id", int, OpenApiParameter.PATH)
ISSUE_ID = OpenApiParameter("issue_id", int, OpenApiParameter.PATH)


class ProblemListView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(
        parameters=PROBLEM_FILTERS, responses={200: ProblemPageSerializer, **ERRORS}, operation_id="problems_list"
    )
    def get(self, request: Request) -> Response:
        filters = ProblemFilters(
            status=choice_param(request, "status", ProblemStatus.values) or "",
            organisation=id_param(request, "organisation"),
        )
        page = api_page(request, api_problems(actor=self.actor, filters=filters), field="updated_at", descending=True)
        context = {"customers": affected_customers(actor=self.actor, problem_ids=[p.pk for p in page.rows])}
        return Response(paginated(request, page, list(ProblemSerializer(page.rows, many=True, context=context).data)))


class ProblemDetailView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(
        parameters=[PROBLEM_ID],
        responses={200: ProblemSerializer, 304: None, **ERRORS},
        operation_id="problems_retrieve",
    )
    def get(self, request: Request, problem_id: int) -> Response:
        problem = api_problem_get(actor=self.actor, problem_id=problem_id)
        customers = affected_customers(actor=self.actor, problem_ids=[problem.pk])
        # Linking an incident or a customer touches the problem's `updated_at`; the counts ride along all the same.
        counts = (getattr(problem, "incident_count", 0), getattr(problem, "open_count", 0))
        version = f"{problem.updated_at.isoformat()}:{counts}:{customers}"
        etag = etag_for("problem", problem.pk, version)
        return tagged_response(request, etag, lambda: ProblemSerializer(problem, context={"customers": customers}).data)


class KnownIssueListView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(
        parameters=PAGE, responses={200: KnownIssuePageSerializer, **ERRORS}, operation_id="known_issues_list"
    )
    def get(self, request: Request) -> Response:
        page = api_page(request, api_known_issues(actor=self.actor), field="updated_at", descending=True)
        issues = [as_known_issue(problem) for problem in page.rows]
        return Response(paginated(request, page, list(KnownIssueSerializer(issues, many=True).data)))


class KnownIssueDetailView(ApiView):
    read_scope = Scope.PROBLEMS_READ

    @extend_schema(
        parameters=[ISSUE_ID],
        responses={200: KnownIssueSerializer, 304: None, **ERRORS},
        operation_id="known_issues_retrieve",
    )
    def get(self, request: Request, issue_id: int) -> Response:
        issue = api_known_issue_get(actor=self.actor, issue_id=issue_id)
        etag = etag_for("known-issue", issue.pk, issue.updated_at.isoformat())
        return tagged_response(request, etag, lambda: KnownIssueSerializer(issue).data)
