"""What every API view under /api/v1/ stands on: rate limits, pagination, OpenAPI errors.

How to write an API view (one `APIView` per operation, HackSoft style):

    from drf_spectacular.utils import extend_schema
    from rest_framework import serializers

    from noumaris.api import Api, ListApi, errors


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
  exceptions: `noumaris.errors.exception_handler` turns every error (DRF, Django,
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
  postprocessing hook (`add_standard_errors` below) adds the standard error responses
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

import inspect
import ipaddress

from django.conf import settings
from django.urls import register_converter
from django_ratelimit.core import get_usage
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from noumaris.errors import NotFoundError, RateLimitedError
from noumaris.net import client_ip

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


# --- OpenAPI: the error envelope, reusable by every view --------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error: `{"detail": "..."}`."""

    detail = serializers.CharField(help_text="What went wrong, safe to show a person.")


class ValidationErrorSerializer(serializers.Serializer):
    """422: `{"detail": "Validation failed", "errors": {field: [messages]}}`."""

    detail = serializers.CharField(help_text='Always "Validation failed".')
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="Messages per field; `non_field_errors` for the whole input.",
    )


_ERROR_DOCS = {
    400: ("Malformed request (unparseable JSON, wrong content).", "Malformed request."),
    401: (
        "Missing or invalid credentials.",
        "Authentication credentials were not provided.",
    ),
    403: (
        "Signed in but not allowed; `detail` gives the reason.",
        "Your institution's subscription is suspended",
    ),
    404: (
        "Absent, or belongs to another institution; on a list, a page past its end "
        '(`"Invalid page: That page contains no results."`).',
        "Not found.",
    ),
    409: (
        "Duplicate or conflicting state.",
        "Institution with name 'Test Hospital' already exists",
    ),
    429: (
        "Rate limited: retry after `Retry-After` seconds.",
        "Too many requests.",
    ),
    503: ("A dependency is down.", "Service unavailable."),
}


def errors(*codes: int, example: str | None = None) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for these error statuses, in the envelope, with an example.

    `**errors(409, example="Resident already invited")` inside `responses={...}`.
    """
    out = {}
    for code in codes:
        if code == 422:
            out[code] = OpenApiResponse(
                ValidationErrorSerializer,
                description="Validation failed, with messages per field.",
                examples=[
                    OpenApiExample(
                        "Validation failed",
                        value={
                            "detail": "Validation failed",
                            "errors": {"pgy_level": ["PGY must be between 1 and 10."]},
                        },
                    )
                ],
            )
            continue
        description, default_example = _ERROR_DOCS[code]
        out[code] = OpenApiResponse(
            ErrorSerializer,
            description=description,
            examples=[
                OpenApiExample(
                    f"Error {code}", value={"detail": example or default_example}
                )
            ],
        )
    return out


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with our names, descriptions and tags (the error
    responses every operation can give are added by `add_standard_errors`)."""

    def get_serializer_name(self, serializer, direction) -> str:
        """Nested serializers are named after their view: `MeApi.OutputSerializer`
        is `Me`, `ResidentListApi.FilterSerializer` is `ResidentListFilter`."""
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualname.split(".")[-2:]
        outer = outer.removesuffix("Api")
        inner = inner.removesuffix("Serializer")
        return outer if inner == "Output" else outer + inner

    def get_description(self) -> str:
        """The handler's docstring, else the view's own (never one it inherits)."""
        handler = getattr(self.view, self.method.lower(), None)
        own = type(self.view).__dict__.get("__doc__")
        return inspect.cleandoc((handler and handler.__doc__) or own or "")

    def get_tags(self) -> list[str]:
        prefix = settings.SPECTACULAR_SETTINGS["SCHEMA_PATH_PREFIX"].lstrip("^")
        path = self.path.removeprefix(prefix.replace("\\", ""))
        parts = [part for part in path.split("/") if part and "{" not in part]
        if parts[:2] == ["admin", "superadmin"]:
            return ["superadmin"]
        if parts[:2] == ["admin", "institution"]:
            return ["institution admin"]
        return parts[:1]


def add_standard_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error responses every operation can
    give, in the envelope, where the view did not name them itself: 429 always (with
    `Retry-After`); 401 and 403 unless anyone may call it; 404 with a path parameter
    or a page; 400 and 422 with a body, 422 with filters."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, serializer in (
        ("Error", ErrorSerializer),
        ("ValidationError", ValidationErrorSerializer),
    ):
        schemas.setdefault(name, _component(serializer))
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    for path, operations in result["paths"].items():
        # A list view's every operation (its create too) can answer 404.
        listed = "{" in path or any(map(_is_a_page, operations.values()))
        for method, operation in operations.items():
            responses = operation["responses"]
            codes = _standard_error_codes(method, operation, listed=listed)
            if _is_a_page(operation) and 422 not in codes:
                codes.append(422)  # a page or page_size that is not a whole number
            for code in codes:
                responses.setdefault(str(code), _error_response(code))
            if "429" in responses:
                responses["429"] = {"headers": RETRY_AFTER, **responses["429"]}
            operation["responses"] = dict(sorted(responses.items()))
    return result


RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds until the limit resets.",
    }
}


def _is_a_page(operation: dict) -> bool:
    ok = operation["responses"].get("200", {})
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").startswith("#/components/schemas/Paginated")


def _standard_error_codes(method: str, operation: dict, *, listed: bool) -> list[int]:
    codes = [429]
    if {} not in operation.get("security", [{}]):
        codes += [401, 403]
    if listed:
        codes.append(404)
    filters = [
        p
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] not in {"page", "page_size"}
    ]
    if method in {"post", "put", "patch"}:
        codes += [400, 422]
    elif filters:
        codes.append(422)
    return codes


def _error_response(code: int) -> dict:
    """What drf-spectacular writes for `errors(code)[code]`."""
    if code == 422:
        name, summary = "ValidationError", "Validation failed"
        description = "Validation failed, with messages per field."
        value = {
            "detail": "Validation failed",
            "errors": {"pgy_level": ["PGY must be between 1 and 10."]},
        }
    else:
        description, example = _ERROR_DOCS[code]
        name, summary, value = "Error", f"Error {code}", {"detail": example}
    return {
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"},
                "examples": {
                    summary.title().replace(" ", ""): {
                        "value": value,
                        "summary": summary,
                    }
                },
            }
        },
        "description": description,
    }


def _component(serializer) -> dict:
    """The component schema of an envelope serializer (plain fields only)."""
    fields = serializer().fields
    properties = {}
    for name, field in fields.items():
        if isinstance(field, serializers.DictField):
            schema = {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {}},
            }
        else:
            schema = {"type": "string"}
        properties[name] = {**schema, "description": str(field.help_text)}
    return {
        "type": "object",
        "description": inspect.cleandoc(serializer.__doc__),
        "properties": properties,
        "required": list(fields),
    }


class BearerJWTScheme(OpenApiAuthenticationExtension):
    """The integrators' scheme: `Authorization: Bearer <JWT>` from the OpenID provider."""

    target_class = "accounts.authentication.BearerJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from the OpenID provider (RS256), "
            "verified against its JWKS.",
        }
