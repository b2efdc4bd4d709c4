"""The route a request went to, as its template ("/modules/{module_id}"), for metrics and logs:
a bounded set of labels that never carries ids or other client-chosen text."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

UNMATCHED = "unmatched"  # every path no route serves shares one label


def route_label(scope: Scope, tables: Sequence[Sequence[BaseRoute]]) -> str:
    """The template of the route the router chose, or of the route that would have served a
    request a middleware answered first (413, 421, 429); else :data:`UNMATCHED`. ``tables``: the
    app's own routes and each included router's, in the app's order (FastAPI keeps an included
    router as one opaque entry in the app's list)."""
    route = scope.get("route")
    if route is None:
        route = next((r for table in tables for r in table
                      if isinstance(getattr(r, "path", None), str) and r.matches(scope)[0] is not Match.NONE), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
