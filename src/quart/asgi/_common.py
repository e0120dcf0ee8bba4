"""Scope decoding and header encoding shared by HTTP and websocket connections."""

from __future__ import annotations

import asyncio
from typing import Any
from typing import TYPE_CHECKING
from urllib.parse import quote
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers

from .._headers import FastHeaders
from ..routing import split_root_path

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import HTTPScope
    from ..typing import WebsocketScope


# Header names repeat across requests: decode each distinct one once.
# Bounded, since names are client controlled.
_NAMES: dict[bytes, str] = {}
_NAMES_OUT: dict[str, bytes] = {}
_NAME_CACHE_SIZE = 512


def _being_cancelled() -> bool:
    """Whether the running task has a cancellation request pending (the
    client left, the server is shutting down, a timeout fired), as opposed
    to app code that merely raised ``asyncio.CancelledError`` itself (a
    driver mapping its own timeout to it, say), which is an error like any
    other."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _BadHead(Exception):
    """The request head is unacceptable whatever the app says (RFC 9112 §3.2, §6.3)."""


def _decode_headers(raw: Any, http_version: str) -> tuple[FastHeaders, tuple[str | None, bool]]:
    """The request headers, and the framing found on the way: (the first
    ``Content-Length`` value or ``None``, whether ``Transfer-Encoding`` is there)."""
    # Without Headers.__init__ (a Python call): the list is all it sets
    # (bench: plaintext, make bench-instr).
    headers = FastHeaders.__new__(FastHeaders)
    items = []
    hosts = 0
    length: str | None = None
    chunked = False
    names = _NAMES
    for name, value in raw:
        key = names.get(name)
        if key is None:
            key = name.decode("latin-1").title()
            if len(names) < _NAME_CACHE_SIZE:
                names[name] = key
        text = value.decode("latin-1")
        if key == "Host":
            hosts += 1
        elif key == "Content-Length":
            if length is None:
                length = text
        elif key == "Transfer-Encoding":
            chunked = True
        items.append((key, text))
    if length is not None and chunked:
        raise _BadHead("both Content-Length and Transfer-Encoding")
    if hosts > 1 or (hosts == 0 and http_version == "1.1"):
        raise _BadHead("a HTTP/1.1 request needs exactly one Host header")
    headers._list = items
    return headers, (length, chunked)


_PLAIN_HEADERS = frozenset({Headers, FastHeaders})


def _encode_name(key: str) -> bytes:
    """A response header's name as sent (lowercase Latin-1), remembered."""
    name = key.lower().encode("latin-1")
    if len(_NAMES_OUT) < _NAME_CACHE_SIZE:
        _NAMES_OUT[key] = name
    return name


class _UnsendableHeader(ValueError):
    """A response header that HTTP cannot carry (not Latin-1)."""


def _encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    out = []
    names = _NAMES_OUT
    # Werkzeug's items() is two generators deep; its own list is what they
    # walk (bench: plaintext, make bench-instr). A subclass may override them.
    items = headers._list if type(headers) in _PLAIN_HEADERS else headers.items()
    try:
        for key, value in items:
            name = names.get(key)
            if name is None:
                name = _encode_name(key)
            out.append((name, value.encode("latin-1")))
    except UnicodeEncodeError:
        raise _UnsendableHeader(
            f"The response header {key!r} cannot be sent: HTTP header names and values"
            " are Latin-1 bytes; percent-encode the value (urllib.parse.quote), or for a"
            " file name use send_file's attachment_filename, which does."
        ) from None
    return out


def _split_path(scope: HTTPScope | WebsocketScope) -> tuple[str, str]:
    """Return (root_path, path within the app).

    An ASGI ``path`` includes the ``root_path``; a path outside it is kept
    whole, and routing answers it with 404 (see :func:`quart.routing.split_root_path`).
    """
    path = scope["path"]
    if path[:1] != "/" and "://" in path:
        # An absolute-form request target (RFC 9112 §3.2.2): route its path.
        path = urlsplit(path).path or "/"
    root_path = scope.get("root_path", "")
    if root_path:
        path = split_root_path(path, root_path)[0]
    if not path.isascii():
        path = _no_surrogates(path)
    return root_path, path


def _no_surrogates(path: str) -> str:
    """Replace lone surrogates (raw bytes a server decoded with
    ``surrogateescape``) with U+FFFD, as servers do for bad ``%`` escapes, so
    the path can be encoded again (``request.url``, logs)."""
    try:
        path.encode()
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in path)
    return path


# A query string holding raw non-ASCII bytes (which would make decoding it
# fail) has those, and any control bytes, percent-encoded; the rest is kept.
_QUERY_SAFE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _safe_query(query_string: bytes) -> bytes:
    if query_string.isascii():
        return query_string
    return quote(query_string, safe=_QUERY_SAFE).encode("ascii")


def _default_host(app: Quart, scope: HTTPScope | WebsocketScope, headers: Headers) -> None:
    if "Host" not in headers:
        server_name = app.config["SERVER_NAME"]
        server = scope.get("server")
        if server_name:
            headers["Host"] = server_name
        elif server and server[1] is not None:
            headers["Host"] = f"{server[0]}:{server[1]}"
        elif server:
            headers["Host"] = server[0]
