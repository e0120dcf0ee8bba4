"""The API example in a real browser: the OpenAPI documentation page loads."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from examples.api.app import create_app
from playwright.sync_api import expect
from playwright.sync_api import Page

from quart import Quart

# The docs page loads Swagger UI from a CDN; the browser gets the copy that
# the swagger-ui-py package ships instead (the tests never leave 127.0.0.1).
_spec = importlib.util.find_spec("swagger_ui")
assert _spec is not None and _spec.submodule_search_locations, "pip install swagger-ui-py"
SWAGGER_UI = Path(_spec.submodule_search_locations[0], "static")
LOCAL_FILES = {
    "swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "swagger-ui.min.css": "swagger-ui.css",
}


@pytest.fixture
def app() -> Quart:
    return create_app()


def serve_swagger_ui(route: Any) -> None:
    name = route.request.url.rsplit("/", 1)[-1]
    if name in LOCAL_FILES:
        route.fulfill(path=str(SWAGGER_UI / LOCAL_FILES[name]))
    else:
        route.abort()


def test_docs_page_shows_the_api(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.route("https://cdnjs.cloudflare.com/**", serve_swagger_ui)
    with page.expect_response("**/openapi.json") as spec:
        page.goto("/docs")
    assert spec.value.status == 200
    expect(page).to_have_title("Todos API")
    expect(page.locator(".info .title")).to_contain_text("Todos API")
    for method, path in [("GET", "/todos"), ("POST", "/todos"), ("GET", "/todos/{todo_id}")]:
        operation = page.locator(".opblock", has=page.locator(f'[data-path="{path}"]'))
        expect(operation.filter(has_text=method).first).to_be_visible()
    expect(page.get_by_text("Create a todo.")).to_be_visible()
