"""The benchmarked requests and what a correct answer to each looks like.

Shared by ``inproc.py`` (which drives the ASGI apps) and documented in
``README.md``. The apps in ``apps/`` must implement every route listed here.

To add an endpoint later (e.g. a Jinja template page or a websocket echo):
add the route to ``apps/quart_app.py`` and ``apps/starlette_app.py``, then add
an :class:`Endpoint` to :data:`ENDPOINTS`. ``kind="websocket"`` is reserved for
a websocket driver in ``inproc.py`` (only ``"http"`` is driven today).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def _echo_payload() -> dict[str, Any]:
    """A deterministic JSON document of roughly 1 KB."""
    return {
        "id": 123456,
        "name": "benchmark order",
        "customer": {"id": 42, "email": "bench@example.com", "vip": True},
        "tags": ["alpha", "beta", "gamma", "delta"],
        "items": [
            {
                "sku": f"SKU-{i:04d}",
                "qty": i + 1,
                "price": round(9.99 * (i + 1), 2),
                "ok": i % 2 == 0,
            }
            for i in range(14)
        ],
        "note": "x" * 64,
    }


ECHO_PAYLOAD: dict[str, Any] = _echo_payload()
ECHO_BODY: bytes = json.dumps(ECHO_PAYLOAD).encode()

FORM_BODY: bytes = b"a=1&b=two&c=three"


@dataclass(frozen=True)
class Endpoint:
    """One benchmarked request plus the checks its response must pass."""

    method: str
    path: str
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    #: "http" today; "websocket" is reserved for a future echo endpoint.
    kind: str = "http"
    status: int = 200
    #: Expected prefix of the response content-type header.
    content_type: str = "application/json"
    #: Exact expected body (for non-JSON responses).
    expect_body: bytes | None = None
    #: Expected parsed JSON (used when ``expect_body`` is None).
    expect_json: Any = None


ENDPOINTS: dict[str, Endpoint] = {
    "plaintext": Endpoint(
        "GET", "/plaintext", content_type="text/plain", expect_body=b"Hello, World!"
    ),
    "json": Endpoint("GET", "/json", expect_json={"message": "Hello, World!"}),
    "path_params": Endpoint(
        "GET", "/users/42/posts/hello", expect_json={"user_id": 42, "slug": "hello"}
    ),
    "query_header": Endpoint(
        "GET",
        "/query",
        query=b"name=x&page=2",
        headers=((b"x-token", b"secret-token"),),
        expect_json={"name": "x", "page": 2, "token": "secret-token"},
    ),
    "form": Endpoint(
        "POST",
        "/form",
        headers=((b"content-type", b"application/x-www-form-urlencoded"),),
        body=FORM_BODY,
        expect_json={"a": "1", "b": "two", "c": "three"},
    ),
    "json_echo": Endpoint(
        "POST",
        "/echo",
        headers=((b"content-type", b"application/json"),),
        body=ECHO_BODY,
        expect_json=ECHO_PAYLOAD,
    ),
    "g_hook": Endpoint("GET", "/g", expect_json={"user": "bench"}),
    # Room for later additions, e.g.:
    # "template": Endpoint("GET", "/template", content_type="text/html", expect_body=...),
    # "ws_echo": Endpoint("GET", "/ws", kind="websocket", ...),
}
