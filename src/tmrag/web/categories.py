"""The served corpus's category names at the HTTP edge: the request check (the same 422
``invalid_request`` a schema error gets) and the OpenAPI enum, computed when the app starts.

The request models (schemas.py) cannot know the names: one process can serve apps over
different corpora (tests do), and an imported corpus has its own categories.yml."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi

from ..config import Settings
from ..corpus.categories import served_categories

REQUESTS_WITH_CATEGORIES = ("SearchRequest", "AskRequest", "QuizNextRequest")


def startup_categories(settings: Settings) -> tuple[str, ...]:
    return served_categories(settings.corpus_dir)


def check_categories(categories: list[str] | None, allowed: tuple[str, ...]) -> None:
    unknown = [c for c in categories or [] if c not in allowed]
    if unknown:  # the wording and location a schema validator would give
        raise RequestValidationError([{"type": "unknown_category", "loc": ("body", "categories"),
                                       "msg": f"unknown categories {unknown}", "input": categories}])


def _set_enum(node: object, names: list[str]) -> None:
    if isinstance(node, dict):
        if "enum" in node:
            node["enum"] = names
        for value in node.values():
            _set_enum(value, names)
    elif isinstance(node, list):
        for value in node:
            _set_enum(value, names)


def _set_items_enum(node: object, values: list[str]) -> None:
    """Every array schema under ``node`` accepts only ``values`` as items."""
    if isinstance(node, dict):
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            node["items"]["enum"] = values
        for value in node.values():
            _set_items_enum(value, values)
    elif isinstance(node, list):
        for value in node:
            _set_items_enum(value, values)


def install_openapi_enum(app: FastAPI, names: tuple[str, ...], module_ids: Callable[[], list[str]] | None = None) -> None:
    """/openapi.json lists ``names`` as the categories the request bodies accept, and the served
    module ids as the modules a quiz may be drawn from (an unknown id is a 422 there)."""
    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            models = schema["components"]["schemas"]
            for model in REQUESTS_WITH_CATEGORIES:
                _set_enum(models[model]["properties"]["categories"], list(names))
            ids = module_ids() if module_ids else []
            if ids and "QuizNextRequest" in models:
                _set_items_enum(models["QuizNextRequest"]["properties"]["modules"], ids)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
