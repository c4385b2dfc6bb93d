"""The authorization matrix's table: one module per app, each exporting `ROWS`.

A row says, for one route and one concrete URL (usually an object of one institution),
which status each demo user gets. `tests/api/test_authorization_matrix.py` collects
every module of this package, enumerates every route under /api/v1/ from the URL
resolver, and fails when a route has no row (or a row names a route that is gone).
See that module's docstring for how to add rows.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# DESIGN 'Demo data', as the fixtures of tests/conftest.py name them.
USERS = (
    "anonymous",
    "superadmin",
    "admin",
    "admin2",
    "attending",
    "resident",
    "resident2",
    "riverside_admin",
    "riverside_resident",
    "physician",
    "former_resident",
)
PREFIX = "api/v1/"
# Routes on one of a resident's records (their sessions, notes, drafts): each needs a
# row on the former resident's own record (label FORMER), so a new route cannot
# forget that access ends with the residency.
RECORD_ROUTES = ("transcription/sessions/<", "notes/<")
FORMER = "former resident's own"
# Routes that are not API operations: the envelope's 404 for unknown paths.
NOT_OPERATIONS = {"api-not-found"}


class Cast:
    """The standing cast and anything else a row needs: `c.admin`, `c.riverside`.

    Each attribute is the pytest fixture of that name, built on first use.
    """

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._request.getfixturevalue(name)


@dataclass(frozen=True)
class Row:
    """One route at one URL, and the status each user gets there.

    route:  "METHOD pattern" as the resolver spells it under /api/v1/, e.g.
            "GET admin/institution/residents/<id:pk>".
    url:    the concrete path, from the cast: lambda c: f"/api/v1/.../{c.x.pk}".
    expect: user → status; "*" gives the status of every user not named.
            Every user of USERS must be covered.
    data:   the request body, from the cast (a dict, sent as JSON unless `format`).
    label:  what makes this row differ from another of the same route
            ("own institution", "Riverside's resident").
    """

    route: str
    url: Callable[[Cast], str]
    expect: dict[str, int]
    data: Callable[[Cast], Any] | None = None
    format: str = "json"
    label: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    def status_for(self, user: str) -> int:
        if user in self.expect:
            return self.expect[user]
        default = self.expect.get("*", 0)
        if user == "former_resident" and default == 404 and self.on_a_record:
            # Where a record is missing to the others, a former resident is told
            # why theirs are closed (records_missing): 403 with the reason.
            return 403
        return default

    @property
    def on_a_record(self) -> bool:
        return self.route.split(" ", 1)[1].startswith(RECORD_ROUTES)

    @property
    def id(self) -> str:
        return f"{self.route} [{self.label}]" if self.label else self.route


def collect_rows() -> list[Row]:
    """Every `ROWS` of every module in this package."""
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rows.extend(getattr(module, "ROWS", []))
    return rows


def api_routes() -> set[str]:
    """Every "METHOD pattern" under /api/v1/, from the URL resolver."""
    routes = set()
    for pattern, callback, name in _walk(get_resolver().url_patterns, ""):
        if not pattern.startswith(PREFIX) or name in NOT_OPERATIONS:
            continue
        for method in _methods(callback):
            routes.add(f"{method} {pattern[len(PREFIX) :]}")
    return routes


def _walk(patterns, prefix: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback, entry.name


def _methods(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ["ANY"]
    handlers = [
        m
        for m in view_class.http_method_names
        if m not in {"options", "head"} and hasattr(view_class, m)
    ]
    return [m.upper() for m in handlers]


def while_active(user, make):
    """Make `user`'s records as they were before the residency ended: `make()` runs
    while their profile is active, then it is put back."""
    from institutions.models import ResidentProfile

    profile = ResidentProfile.objects.get(user=user)
    ended = profile.status
    ResidentProfile.objects.filter(pk=profile.pk).update(
        status=ResidentProfile.Status.ACTIVE
    )
    try:
        return make()
    finally:
        ResidentProfile.objects.filter(pk=profile.pk).update(status=ended)
