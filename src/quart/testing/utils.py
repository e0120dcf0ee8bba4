"""Building test scopes, headers and bodies."""

from __future__ import annotations

from typing import Any
from typing import Literal
from typing import TYPE_CHECKING
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlencode

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import Headers
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartEncoder
from werkzeug.sansio.multipart import Preamble

from ..typing import Scope as Scope

if TYPE_CHECKING:
    from ..app import Quart
    from ..datastructures import FileStorage
    from ..wrappers import Request

__all__ = [
    "make_test_body_with_headers",
    "make_test_headers_path_and_query_string",
    "make_test_scope",
    "no_op_push",
    "sentinel",
]

# What stays as it is in a raw request path (RFC 3986 pchar, "/" and escapes).
_RAW_PATH_SAFE = "/%!$&'()*+,;=:@~"

#: Marks "no JSON given" (``None`` is valid JSON).
sentinel: Any = object()


async def no_op_push(path: str, headers: Headers) -> None:
    """A push-promise sender that does nothing."""


def make_test_headers_path_and_query_string(
    app: Quart,
    path: str,
    headers: dict[str, str] | Headers | None = None,
    query_string: dict[str, Any] | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
) -> tuple[Headers, str, bytes]:
    """Headers (with ``Host`` and ``User-Agent``), path and raw query string for a test request."""
    headers = Headers(headers)
    if "Host" not in headers:
        host = app.config["SERVER_NAME"] or "localhost"
        if subdomain:
            host = f"{subdomain}.{host}"
        headers["Host"] = host
    headers.setdefault("User-Agent", "Quart")
    if auth is not None:
        if isinstance(auth, tuple):
            auth = Authorization("basic", {"username": auth[0], "password": auth[1]})
        headers["Authorization"] = auth.to_header()
    if "?" in path:
        if query_string is not None:
            raise ValueError("Query string is defined in the path and as an argument")
        path, _, raw = path.partition("?")
        query = raw.encode("ascii", "surrogateescape") if raw else b""
    else:
        query = urlencode(query_string or {}, doseq=True).encode("ascii")
    return headers, unquote(path), query


def make_test_body_with_headers(
    *,
    data: str | bytes | None = None,
    form: dict[str, Any] | None = None,
    files: dict[str, FileStorage] | None = None,
    json: Any = sentinel,
    app: Quart | None = None,
) -> tuple[bytes, Headers]:
    """The body and content headers for ``data``, ``form`` (+ ``files``) or ``json``."""
    if [data is not None, form is not None or files is not None, json is not sentinel].count(
        True
    ) > 1:
        raise ValueError(
            "Quart test args 'json', 'form'/'files', and 'data' are mutually exclusive"
        )
    headers = Headers()
    body = b""
    if isinstance(data, str):
        body = data.encode()
    elif data is not None:
        body = bytes(data)
    elif json is not sentinel:
        if app is not None:
            body = app.json.dumps(json).encode()
        else:
            from .. import json as quart_json

            body = quart_json.dumps(json).encode()
        headers["Content-Type"] = "application/json"
    elif files is not None:
        boundary = "----QuartTestBoundary7MA4YWxkTrZu0gW"
        encoder = MultipartEncoder(boundary.encode())
        parts = [encoder.send_event(Preamble(data=b""))]
        for key, value in (form or {}).items():
            parts.append(encoder.send_event(Field(name=key, headers=Headers())))
            parts.append(encoder.send_event(Data(data=str(value).encode(), more_data=False)))
        for key, file in files.items():
            file_headers = Headers()
            if file.content_type:
                file_headers["Content-Type"] = file.content_type
            parts.append(
                encoder.send_event(
                    File(name=key, filename=file.filename or "", headers=file_headers)
                )
            )
            parts.append(encoder.send_event(Data(data=file.read(), more_data=False)))
        parts.append(encoder.send_event(Epilogue(data=b"")))
        body = b"".join(parts)
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif form is not None:
        body = urlencode(form, doseq=True).encode("ascii")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return body, headers


def make_test_scope(
    type_: Literal["http", "websocket"] | str,
    path: str,
    method: str,
    headers: Headers,
    query_string: bytes,
    scheme: str,
    root_path: str,
    http_version: str,
    scope_base: dict[str, Any] | None,
    *,
    _preserve_context: bool = False,
) -> Scope:
    """An ASGI scope for a test request or websocket."""
    scope: dict[str, Any] = {
        "type": type_,
        "http_version": http_version,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "method": method,
        "scheme": scheme,
        "path": f"{root_path}{path}",
        # As a client sends it: non-ASCII percent-encoded (UTF-8).
        "raw_path": quote(
            f"{root_path}{path}", safe=_RAW_PATH_SAFE, errors="surrogateescape"
        ).encode("ascii"),
        "query_string": query_string,
        "root_path": root_path,
        "headers": [
            (key.lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in headers.items()
        ],
        "client": ("127.0.0.1", 80),
        "server": ("localhost", 80 if scheme in {"http", "ws"} else 443),
        "extensions": {"http.response.push": {}}
        if type_ == "http"
        else {"websocket.http.response": {}},
        "state": {},
        "_quart._preserve_context": _preserve_context,
    }
    if type_ == "websocket":
        del scope["method"]
        scope["subprotocols"] = []
    if scope_base is not None:
        scope.update(scope_base)
    return scope  # type: ignore[return-value]


def make_test_request(
    app: Quart,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | Headers | None = None,
    query_string: dict[str, Any] | None = None,
    scheme: str = "http",
    send_push_promise: Any = no_op_push,
    data: str | bytes | None = None,
    form: dict[str, Any] | None = None,
    json: Any = sentinel,
    root_path: str = "",
    http_version: str = "1.1",
    scope_base: dict[str, Any] | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
) -> Request:
    """A request object with a complete body, for ``test_request_context``."""
    headers, path, query = make_test_headers_path_and_query_string(
        app, path, headers, query_string, auth, subdomain
    )
    body, body_headers = make_test_body_with_headers(data=data, form=form, json=json, app=app)
    headers.update(body_headers)
    if body:
        headers["Content-Length"] = str(len(body))
    scope = make_test_scope(
        "http", path, method, headers, query, scheme, root_path, http_version, scope_base
    )
    request = app.request_class(
        method,
        scheme,
        path,
        query,
        headers,
        root_path,
        http_version,
        scope,  # type: ignore[arg-type]
        max_content_length=app.config["MAX_CONTENT_LENGTH"],
        body_timeout=app.config["BODY_TIMEOUT"],
        send_push_promise=send_push_promise,
    )
    request.body.set_result(body)
    return request
