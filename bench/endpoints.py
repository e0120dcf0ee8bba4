"""The benchmarked requests and what a correct answer to each looks like.

Shared by ``inproc.py`` (which drives the ASGI apps) and documented in
``README.md``. The apps in ``apps/`` must implement every route listed here.

To add an endpoint: add the route to every app in ``apps/`` (or list the
endpoint in that app's ``UNSUPPORTED``), then add an :class:`Endpoint` to
:data:`ENDPOINTS`. ``kind="websocket"`` endpoints are driven by the websocket
driver in ``inproc.py`` (an echo of ``body``).
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

#: The text message of the websocket echo (sent as text, echoed back as text).
WS_MESSAGE: bytes = b'{"type": "chat", "room": "bench", "text": "Hello, World!"}'

#: What the ``/template`` page lists (names need escaping, on purpose).
#: Display names of the frameworks (``raw`` is the bare ASGI app of the wire mode).
LABELS = {
    "ours": "ours",
    "quart": "Quart",
    "starlette": "Starlette",
    "blacksheep": "BlackSheep",
    "falcon": "Falcon",
    "litestar": "Litestar",
    "raw": "raw ASGI",
}
#: Display names of the servers of the wire mode.
SERVER_LABELS = {"uvicorn": "uvicorn", "granian": "granian", "hypercorn": "Hypercorn"}

TEMPLATE_TITLE = "Shop & Co"
TEMPLATE_ITEMS: list[dict[str, str]] = [
    {"name": f"Item {i} <b>", "price": f"{i * 1.5:.2f}"} for i in range(10)
]


def _template_body() -> bytes:
    """``apps/templates/bench.html`` rendered with the items above, for user ``bench``."""
    rows = "".join(
        f'  <li class="{"odd" if i % 2 == 0 else "even"}">'
        f"{item['name'].replace('<', '&lt;').replace('>', '&gt;')}: {item['price']}</li>\n"
        for i, item in enumerate(TEMPLATE_ITEMS)
    )
    title = TEMPLATE_TITLE.replace("&", "&amp;")
    return (
        "<!doctype html>\n<html>\n"
        f"<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n"
        f"<ul>\n{rows}</ul>\n<p>bench</p>\n</body>\n</html>"
    ).encode()


TEMPLATE_BODY: bytes = _template_body()

# Large bodies, over the wire only (``wire.py --large``; not in ENDPOINTS, so the
# in-process bench never requests them). The apps that serve them (ours/Quart
# and Starlette) read the file's path from this environment variable.
LARGE_FILE_ENV = "BENCH_LARGE_FILE"
#: Size of the file behind ``GET /file`` and of the body of ``GET /stream``.
LARGE_SIZE = 10 * 1024 * 1024
#: ``GET /stream`` yields this chunk LARGE_SIZE // STREAM_CHUNK_SIZE times.
STREAM_CHUNK_SIZE = 64 * 1024
STREAM_CHUNK: bytes = b"x" * STREAM_CHUNK_SIZE
STREAM_CHUNKS = LARGE_SIZE // STREAM_CHUNK_SIZE


@dataclass(frozen=True)
class Endpoint:
    """One benchmarked request plus the checks its response must pass."""

    method: str
    path: str
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    #: "http" (one request per iteration), "websocket" (one message echoed
    #: per iteration on an open connection; ``body`` is the text message) or
    #: "websocket_connect" (one connection opened, accepted and closed per
    #: iteration; checked like "websocket").
    kind: str = "http"
    status: int = 200
    #: Expected prefix of the response content-type header.
    content_type: str = "application/json"
    #: Exact expected body (for non-JSON responses).
    expect_body: bytes | None = None
    #: Expected parsed JSON (used when ``expect_body`` is None).
    expect_json: Any = None
    #: Timed requests go to this path, ``{i}`` replaced by a number new for
    #: each request (``path`` is the one checked first): a route whose
    #: arguments vary, as a real API's do, so no framework can answer from
    #: a cache of paths it has seen.
    vary_path: str | None = None


ENDPOINTS: dict[str, Endpoint] = {
    "plaintext": Endpoint(
        "GET", "/plaintext", content_type="text/plain", expect_body=b"Hello, World!"
    ),
    "json": Endpoint("GET", "/json", expect_json={"message": "Hello, World!"}),
    "path_params": Endpoint(
        "GET", "/users/42/posts/hello", expect_json={"user_id": 42, "slug": "hello"}
    ),
    # The same route, with a user id never seen before in every request.
    "path_params_varied": Endpoint(
        "GET",
        "/users/42/posts/hello",
        expect_json={"user_id": 42, "slug": "hello"},
        vary_path="/users/{i}/posts/hello",
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
    "template": Endpoint("GET", "/template", content_type="text/html", expect_body=TEMPLATE_BODY),
    # One websocket connection; each timed iteration is one text message sent
    # and its echo received (so the figure is µs per message round trip).
    "ws_echo": Endpoint(
        "GET", "/ws", kind="websocket", body=WS_MESSAGE, content_type="", expect_body=WS_MESSAGE
    ),
    # One websocket connection per iteration on the same route: connect, the
    # app accepts, the client leaves, the handler ends (µs per connection).
    "ws_connect": Endpoint(
        "GET",
        "/ws",
        kind="websocket_connect",
        body=WS_MESSAGE,
        content_type="",
        expect_body=WS_MESSAGE,
    ),
}
