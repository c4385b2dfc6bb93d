"""The API's OpenAPI schema: the error envelope every view may answer, the standard
errors added to every operation, operation names from the views, and bearer auth.

Views name their extra errors with `**errors(409)` (see noumaris.common.api's docstring).
"""

import inspect

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

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
