"""Building test scopes, headers and bodies."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import cast
from typing import IO
from typing import Literal
from typing import TYPE_CHECKING
from typing import TypeGuard
from urllib.parse import unquote
from urllib.parse import urlencode

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import FileMultiDict
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartEncoder
from werkzeug.sansio.multipart import Preamble
from werkzeug.urls import iri_to_uri as iri_to_uri

from ..asgi._common import _encode_headers
from ..datastructures import FileStorage as FileStorage
from ..json import dumps as dumps
from ..typing import _NO_JSON
from ..typing import HTTPScope as HTTPScope
from ..typing import Scope as Scope
from ..typing import WebsocketScope as WebsocketScope
from ..utils import encode_headers as encode_headers

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage as WerkzeugFileStorage

    from ..app import Quart
    from ..wrappers import Request

__all__ = [
    "make_test_body_with_headers",
    "make_test_headers_path_and_query_string",
    "make_test_scope",
    "no_op_push",
    "sentinel",
]

#: Marks "no JSON given" (``None`` is valid JSON); the object
#: :class:`quart.typing.TestClientProtocol`'s signatures name as the default.
sentinel: object = _NO_JSON

# The multipart boundary of test bodies (the one Quart's test client uses,
# so tests comparing an encoded body or its Content-Type keep passing).
_BOUNDARY = "----QuartBoundary"
# Files are copied into the body this many bytes at a time.
_CHUNK_SIZE = 16384


async def no_op_push(path: str, headers: Headers) -> None:
    """A push-promise sender that does nothing (for requests built in tests)."""


def make_test_headers_path_and_query_string(
    app: Quart,
    path: str,
    headers: dict[str, str] | Headers | None = None,
    query_string: Mapping[str, object] | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
) -> tuple[Headers, str, bytes]:
    """Headers, path and raw query string for a test request.

    The given headers come first; ``Authorization`` (from ``auth``),
    ``User-Agent`` and ``Host`` are added after them unless already given.
    """
    headers = Headers(headers)
    if auth is not None:
        if isinstance(auth, tuple):
            auth = Authorization("basic", {"username": auth[0], "password": auth[1]})
        headers.setdefault("Authorization", auth.to_header())
    headers.setdefault("User-Agent", "Quart")
    if "Host" not in headers:
        host = app.config["SERVER_NAME"] or "localhost"
        if subdomain:
            host = f"{subdomain}.{host}"
        headers["Host"] = host
    if "?" in path:
        if query_string is not None:
            raise ValueError("Query string is defined in the path and as an argument")
        path, _, raw = path.partition("?")
        query = raw.encode("ascii", "surrogateescape") if raw else b""
    else:
        query = urlencode(query_string or {}, doseq=True).encode("ascii")
    return headers, unquote(path), query


def _is_file_value(value: object) -> TypeGuard[WerkzeugFileStorage | IO[bytes]]:
    # A (file, filename[, content_type]) tuple is a file value too: the caller
    # checks for it first, as it takes it apart.
    return isinstance(value, FileStorage) or hasattr(value, "read")


def _split_data(data: Mapping[str, object]) -> tuple[list[tuple[str, object]], FileMultiDict]:
    """Split a ``data`` mapping into form fields and files, as Flask's test client does."""
    fields: list[tuple[str, object]] = []
    files = FileMultiDict()
    for key, value in _data_items(data):
        if isinstance(value, tuple):
            files.add_file(key, *value)
        elif _is_file_value(value):
            files.add_file(key, value)
        else:
            fields.append((key, value))
    return fields, files


def _data_items(data: Mapping[str, object]) -> Iterator[tuple[str, object]]:
    if isinstance(data, MultiDict):
        yield from data.items(multi=True)
        return
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _encode_multipart(
    fields: list[tuple[str, object]], files: list[tuple[str, WerkzeugFileStorage, Headers]]
) -> bytes:
    """A ``multipart/form-data`` body (Quart's layout): the files first, each
    with the given part headers, then the fields."""
    encoder = MultipartEncoder(_BOUNDARY.encode())
    parts = [encoder.send_event(Preamble(data=b""))]
    for key, storage, part_headers in files:
        parts.append(
            encoder.send_event(
                File(name=key, filename=storage.filename, headers=part_headers)  # type: ignore[arg-type]
            )
        )
        while chunk := storage.read(_CHUNK_SIZE):
            parts.append(encoder.send_event(Data(data=chunk, more_data=True)))
        parts.append(encoder.send_event(Data(data=b"", more_data=False)))
    for key, value in fields:
        parts.append(encoder.send_event(Field(name=key, headers=Headers())))
        parts.append(encoder.send_event(Data(data=str(value).encode(), more_data=False)))
    parts.append(encoder.send_event(Epilogue(data=b"")))
    return b"".join(parts)


def make_test_body_with_headers(
    *,
    data: str | bytes | Mapping[str, object] | None = None,
    form: Mapping[str, object] | None = None,
    files: dict[str, FileStorage] | None = None,
    json: object = sentinel,
    app: Quart | None = None,
) -> tuple[bytes, Headers]:
    """The body and content headers for ``data``, ``form`` (+ ``files``) or ``json``.

    ``data`` is the raw body (``str`` or ``bytes``), or a mapping (a ``dict``
    or ``MultiDict``; a list gives a key several values) sent as a form:
    urlencoded, or ``multipart/form-data`` when a value is a file (a
    ``FileStorage``, an open file, or a ``(file, filename[, content_type])``
    tuple), as with Flask's test client.
    """
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
    elif isinstance(data, Mapping):
        data_fields, data_files = _split_data(data)
        if data_files:
            parts = []
            for key, storage in data_files.items(multi=True):
                part_headers = Headers(storage.headers)
                if storage.content_type is None:
                    # As Flask's test client: a type guessed from the file name.
                    guessed = mimetypes.guess_type(storage.filename or "")[0]
                    part_headers["Content-Type"] = guessed or "application/octet-stream"
                parts.append((key, storage, part_headers))
            body = _encode_multipart(data_fields, parts)
            headers["Content-Type"] = f"multipart/form-data; boundary={_BOUNDARY}"
        else:
            body = urlencode([(key, str(value)) for key, value in data_fields], doseq=True).encode(
                "ascii"
            )
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif data is not None:
        body = bytes(data)
    elif json is not sentinel:
        if app is not None:
            body = app.json.dumps(json).encode()
        else:
            body = dumps(json).encode()
        headers["Content-Type"] = "application/json"
    elif files is not None:
        body = _encode_multipart(
            list((form or {}).items()),
            [(key, storage, storage.headers) for key, storage in files.items()],
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={_BOUNDARY}"
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
    scope_base: Mapping[str, object] | None,
    *,
    _preserve_context: bool = False,
) -> Scope:
    """An ASGI scope for a test request or websocket: the keys and values
    Quart's test client sets, so tests comparing scopes see the same dict.

    ``path`` is the path within the app (the app strips ``root_path`` only
    from a path that starts with it). ``scope_base`` is merged in last,
    except that a websocket, or HTTP/2 and /3, keep their ``extensions``.
    """
    scope = _test_scope_dict(
        type_,
        path,
        method,
        headers,
        query_string,
        scheme,
        root_path,
        http_version,
        scope_base,
        _preserve_context,
    )
    # The dict has the keys of an HTTP or websocket scope, as type_ says.
    return cast("Scope", scope)


def _test_scope_dict(
    type_: str,
    path: str,
    method: str,
    headers: Headers,
    query_string: bytes,
    scheme: str,
    root_path: str,
    http_version: str,
    scope_base: Mapping[str, object] | None,
    _preserve_context: bool,
) -> dict[str, object]:
    """The scope :func:`make_test_scope` returns, as a plain dict, for the test
    client to add keys to (``state``, ``subprotocols``, private ``_quart`` keys)."""
    scope: dict[str, object] = {
        "type": type_,
        "http_version": http_version,
        "asgi": {"spec_version": "2.1"},
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": iri_to_uri(path).encode("ascii"),
        "query_string": query_string,
        "root_path": root_path,
        # Latin-1, as a server hands them to the app (not encode_headers's UTF-8).
        "headers": _encode_headers(headers),
        "extensions": {},
        "_quart._preserve_context": _preserve_context,
    }
    if scope_base is not None:
        scope.update(scope_base)
    if type_ == "http" and http_version in {"2", "3"}:
        scope["extensions"] = {"http.response.push": {}}
    elif type_ == "websocket":
        scope["extensions"] = {"websocket.http.response": {}}
    return scope


def make_test_request(
    app: Quart,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | Headers | None = None,
    query_string: Mapping[str, object] | None = None,
    scheme: str = "http",
    send_push_promise: Callable[[str, Headers], Awaitable[None]] = no_op_push,
    data: str | bytes | Mapping[str, object] | None = None,
    form: Mapping[str, object] | None = None,
    json: object = sentinel,
    root_path: str = "",
    http_version: str = "1.1",
    scope_base: Mapping[str, object] | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
) -> Request:
    """A request object with a complete body, for ``test_request_context``."""
    headers, path, query = make_test_headers_path_and_query_string(
        app, path, headers, query_string, auth, subdomain
    )
    body, body_headers = make_test_body_with_headers(data=data, form=form, json=json, app=app)
    headers.update(body_headers)
    scope = _test_scope_dict(
        "http", path, method, headers, query, scheme, root_path, http_version, scope_base, False
    )
    request = app.request_class(
        method,
        scheme,
        path,
        query,
        headers,
        root_path,
        http_version,
        cast("HTTPScope", scope),
        max_content_length=app.config["MAX_CONTENT_LENGTH"],
        body_timeout=app.config["BODY_TIMEOUT"],
        send_push_promise=send_push_promise,
    )
    request.body.set_result(body)
    return request
