"""What every API view under /api/v1/ stands on: rate limits, pagination, the base
views (their OpenAPI schema is noumaris.common.api_schema).

How to write an API view (one `APIView` per operation, HackSoft style):

    from drf_spectacular.utils import extend_schema
    from rest_framework import serializers

    from noumaris.common.api import Api, ListApi
    from noumaris.common.api_schema import errors


    class ResidentInviteApi(Api):
        permission_classes = [IsInstitutionAdmin]   # the role rule, or leave the
                                                    # default IsAuthenticated

        class InputSerializer(serializers.Serializer):
            email = serializers.EmailField()
            pgy_level = serializers.IntegerField(min_value=1, max_value=10)

        class OutputSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            email = serializers.EmailField()

        @extend_schema(
            operation_id="institution_resident_invite",
            request=InputSerializer,
            responses={201: OutputSerializer, **errors(409)},
        )
        def post(self, request):
            data = self.input(self.InputSerializer)          # 422 with per-field errors
            invitation = resident_invite(                     # the service decides
                invited_by=request.user, **data               # and raises
            )
            return self.output(self.OutputSerializer, invitation, status=201)

    class ResidentListApi(ListApi):
        class FilterSerializer(serializers.Serializer):   # query parameters
            status = serializers.ChoiceField(choices=[...], required=False)

        @extend_schema(
            parameters=[FilterSerializer],
            responses=OutputSerializer(many=True),           # paginated in the schema
        )
        def get(self, request):
            filters = self.query(self.FilterSerializer)       # 422 on a bad filter
            residents = resident_list(user=request.user, filters=filters)
            return self.paginate(residents, self.OutputSerializer)

The rules:
- Subclass `Api` (or `ListApi` for a paginated list). Never catch a service's
  exceptions: `noumaris.common.errors.exception_handler` turns every error (DRF, Django,
  `ApplicationError`, validation, rate limiting) into `{"detail": ...}`.
- `self.input(Serializer)` validates `request.data`; `self.query(Serializer)` validates
  `request.query_params`; both return `validated_data` or raise (422). No logic in
  `serializer.save()`: call the service with the validated data.
- The tenant and the actor come from `request.user`, never from the body. Read tenant
  objects through a selector that takes the user; another tenant's object is a 404.
- A list selector returns a queryset with its `select_related`/`prefetch_related` and
  a stable `order_by` ending on a unique column; `self.paginate` answers
  `{count, next, previous, results}` (`?page=&page_size=`, at most 100).
- Every operation has `@extend_schema(...)` naming its request and 2xx response; a
  postprocessing hook (`noumaris.common.api_schema.add_standard_errors`) adds the standard error responses
  (401, 403, 429 always; 404 with path parameters or pagination; 400 and 422 with a
  body or query parameters). Add the others with `**errors(409)` etc.
  `manage.py spectacular --validate --fail-on-warn` must stay clean.
- Rate limits come with the base class: `API_RATE_LIMIT` (e.g. `50/m`) per client IP
  and per signed-in user, per route, counted in the default cache (Redis when
  `REDIS_URL` is set, so every worker shares the count); the 51st request answers 429
  with `Retry-After`. A view that is not an `Api` (an async view, a plain Django view)
  calls `rate_limit(request, group=...)` itself (through `sync_to_async` when async:
  it touches the cache synchronously).
- Path ids use the `<id:name>` converter registered here: at most 18 digits, so a huge
  number is a 404 rather than a database overflow (a 500).
- Register the operation's rows in the authorization matrix (see
  `tests/api/test_authorization_matrix.py`): a route without a row fails the suite.
"""

import ipaddress

from django.conf import settings
from django.urls import register_converter
from django_ratelimit.core import get_usage
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from noumaris.common.errors import NotFoundError, RateLimitedError
from noumaris.common.net import client_ip

# --- Path converter ------------------------------------------------------------------


class IdConverter:
    """A database id: 1 to 18 digits (fits a signed 64-bit integer)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


# --- Rate limits (django-ratelimit) ---------------------------------------------------


def rate_limit(request, *, group: str) -> None:
    """Count a request against `API_RATE_LIMIT` per IP and per signed-in user.

    For views that are not an `Api` (plain Django views; async views through
    `sync_to_async`). Raises `RateLimitedError` (429 with `Retry-After`) when over.
    """
    rate_limit_ip(request, group=group)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        rate_limit_user(request, group=group)


def rate_limit_ip(request, *, group: str) -> None:
    """The per-IP half: the client's address behind `TRUSTED_PROXY_COUNT` proxies."""
    _count(request, group=group, value=f"ip:{_ip_key(request)}")


def rate_limit_user(request, *, group: str) -> None:
    """The per-user half: call it once `request.user` is known."""
    _count(request, group=group, value=f"user:{request.user.pk}")


def _count(request, *, group: str, value: str) -> None:
    # django-ratelimit's counting core (what its decorator calls). The decorator
    # itself runs before DRF authenticates, so it cannot see a bearer-token user.
    usage = get_usage(
        request,
        group=group,
        key=lambda _group, _request: value,
        rate=settings.API_RATE_LIMIT,
        increment=True,
    )
    if usage and usage["should_limit"]:
        raise RateLimitedError(wait=max(int(usage["time_left"]), 1))


def _ip_key(request) -> str:
    """The client's address; IPv6 by /64, as one host usually holds the whole block."""
    address = client_ip(request) or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


class RateLimitMixin:
    """Apply the rate limits to a DRF view: per IP first, per user once authenticated."""

    def initial(self, request, *args, **kwargs):
        # Counted before authentication, so failed credentials are limited per IP too.
        rate_limit_ip(request, group=self.rate_limit_group())
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if request.user.is_authenticated:
            rate_limit_user(request, group=self.rate_limit_group())

    def rate_limit_group(self) -> str:
        """One budget per route (the seed limited each endpoint separately)."""
        return f"api:{type(self).__module__}.{type(self).__qualname__}"


# --- Pagination -----------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """`?page=&page_size=` (at most 100) → `{count, next, previous, results}`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    # A 404 that says why: "Invalid page: That page contains no results."
    invalid_page_message = "Invalid page: {message}."

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's, with its bad-page 404 as one of ours: the reason names no object, so
        it reaches the client as it is (other 404s of DRF's say only "Not found.").
        A `page` or `page_size` that is not a positive whole number is a 422 naming
        it, never silently replaced by the default."""
        self._check_numbers(request)
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            raise NotFoundError(str(error.detail)) from None

    def get_schema_operation_parameters(self, view):
        """DRF's `page` and `page_size`, documented as whole numbers of 1 or more."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters

    def _check_numbers(self, request) -> None:
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            value = request.query_params.get(name)
            if value is None or (name == "page" and value in self.last_page_strings):
                continue
            if not (value.isascii() and value.isdigit() and int(value) >= 1):
                errors[name] = [f"{name} must be a whole number of 1 or more."]
        if errors:
            raise exceptions.ValidationError(errors)


# --- Base views -----------------------------------------------------------------------


class Api(RateLimitMixin, APIView):
    """One API operation: validate input → call a service or selector → serialise."""

    def input(self, serializer_class, *, partial: bool = False, **context) -> dict:
        """Validate `request.data`; return the validated data or raise (422)."""
        serializer = serializer_class(
            data=self.request.data,
            partial=partial,
            context={"request": self.request, **context},
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class, **context) -> dict:
        """Validate the query string (filters, search); return the data or raise (422)."""
        serializer = serializer_class(
            data=self.request.query_params,
            context={"request": self.request, **context},
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def output(
        self, serializer_class, instance, *, status: int = 200, many=False, **context
    ) -> Response:
        """Serialise `instance` (a list when `many`) into a response."""
        data = serializer_class(
            instance, many=many, context={"request": self.request, **context}
        ).data
        return Response(data, status=status)


class ListApi(Api):
    """A paginated list: `self.paginate(queryset, OutputSerializer)`."""

    pagination_class = Pagination

    def paginate(self, queryset, serializer_class, **context) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(
            page, many=True, context={"request": self.request, **context}
        ).data
        return paginator.get_paginated_response(data)
