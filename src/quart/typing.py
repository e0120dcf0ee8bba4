"""Public type aliases and protocols, and the one import point for ASGI types.

The ASGI message and scope TypedDicts come from :mod:`hypercorn.typing`;
everything in the package imports them from here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from datetime import timedelta
from http import HTTPStatus
from types import TracebackType
from typing import Any
from typing import Protocol
from typing import TYPE_CHECKING
from typing import TypedDict
from typing import Union
from typing import Unpack

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from . import _lazy
from ._lazy import LazyNames

if TYPE_CHECKING:
    from http.cookiejar import CookieJar as CookieJar

    from hypercorn.typing import ASGIReceiveCallable as ASGIReceiveCallable
    from hypercorn.typing import ASGIReceiveEvent as ASGIReceiveEvent
    from hypercorn.typing import ASGISendCallable as ASGISendCallable
    from hypercorn.typing import ASGISendEvent as ASGISendEvent
    from hypercorn.typing import HTTPScope as HTTPScope
    from hypercorn.typing import LifespanScope as LifespanScope
    from hypercorn.typing import Scope as Scope
    from hypercorn.typing import WebsocketScope as WebsocketScope
    from hypercorn.typing import WWWScope as WWWScope
    from werkzeug.datastructures import Authorization

    from .app import Quart
    from .sessions import SessionMixin
    from .wrappers.response import Response

#: The default of the test client's ``json`` arguments: "no JSON given"
#: (``None`` is valid JSON). :data:`quart.testing.utils.sentinel` is this object.
_NO_JSON: object = object()

FilePath = bytes | str | os.PathLike  # type: ignore[type-arg]

StatusCode = int | str | HTTPStatus
HeaderName = str
HeaderValue = str | list[str] | tuple[str, ...]
HeadersValue = Union[
    "Headers",
    Mapping[HeaderName, HeaderValue],
    Sequence[tuple[HeaderName, HeaderValue]],
]
ResponseValue = Union[
    "Response",
    "WerkzeugResponse",
    bytes,
    str,
    Mapping[str, Any],
    list[Any],
    Iterator[bytes],
    Iterator[str],
    AsyncIterable[bytes],
    AsyncIterable[str],
]
# Statuses in the tuple forms are ints (HTTPStatus included), as in Flask's
# types: a view annotated with this type must fit Flask's route decorators.
# A "201 CREATED" string works at run time too.
ResponseReturnValue = Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
]
ResponseTypes = Union["Response", "WerkzeugResponse"]

AppOrBlueprintKey = str | None

AfterRequestCallable = (
    Callable[[ResponseTypes], ResponseTypes] | Callable[[ResponseTypes], Awaitable[ResponseTypes]]
)
AfterServingCallable = Callable[[], None] | Callable[[], Awaitable[None]]
AfterWebsocketCallable = (
    Callable[[ResponseTypes | None], ResponseTypes | None]
    | Callable[[ResponseTypes | None], Awaitable[ResponseTypes | None]]
)
BeforeRequestCallable = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
BeforeServingCallable = Callable[[], None] | Callable[[], Awaitable[None]]
BeforeWebsocketCallable = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
ErrorHandlerCallable = (
    Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]
)
ShellContextProcessorCallable = Callable[[], dict[str, Any]]
TeardownCallable = (
    Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]
)
TemplateContextProcessorCallable = (
    Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
TemplateFilterCallable = Callable[[Any], Any]
TemplateGlobalCallable = Callable[[Any], Any]
TemplateTestCallable = Callable[[Any], bool]
URLDefaultCallable = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable = Callable[[str | None, dict[str, Any] | None], None]
WhileServingCallable = Callable[[], AsyncGenerator[None, None]]
RouteCallable = Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]
WebsocketCallable = (
    Callable[..., ResponseReturnValue | None] | Callable[..., Awaitable[ResponseReturnValue | None]]
)


class ASGIHTTPProtocol(Protocol):
    """What :attr:`Quart.asgi_http_class` must look like."""

    def __init__(self, app: Quart, scope: HTTPScope) -> None: ...

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the connection."""


class ASGILifespanProtocol(Protocol):
    """What :attr:`Quart.asgi_lifespan_class` must look like."""

    def __init__(self, app: Quart, scope: LifespanScope) -> None: ...

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the lifespan protocol."""


class ASGIWebsocketProtocol(Protocol):
    """What :attr:`Quart.asgi_websocket_class` must look like."""

    def __init__(self, app: Quart, scope: WebsocketScope) -> None: ...

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the connection."""


class TestHTTPConnectionProtocol(Protocol):
    """A streaming test HTTP connection (see ``QuartClient.request``)."""

    push_promises: list[tuple[str, Headers]]

    def __init__(self, app: Quart, scope: HTTPScope, _preserve_context: bool = False) -> None: ...

    async def send(self, data: bytes) -> None:
        """Send a piece of the request body."""

    async def send_complete(self) -> None:
        """Mark the request body as complete."""

    async def receive(self) -> bytes:
        """Receive the next piece of the response body."""

    async def disconnect(self) -> None:
        """Disconnect the client."""

    async def __aenter__(self) -> TestHTTPConnectionProtocol: ...

    async def __aexit__(
        self, exc_type: type, exc_value: BaseException, tb: TracebackType
    ) -> None: ...

    async def as_response(self) -> Response:
        """Wait for the whole response and return it."""


class TestWebsocketConnectionProtocol(Protocol):
    """A test websocket connection (see ``QuartClient.websocket``)."""

    def __init__(self, app: Quart, scope: WebsocketScope) -> None: ...

    async def __aenter__(self) -> TestWebsocketConnectionProtocol: ...

    async def __aexit__(
        self, exc_type: type, exc_value: BaseException, tb: TracebackType
    ) -> None: ...

    async def receive(self) -> str | bytes:
        """Receive a message."""

    async def send(self, data: str | bytes) -> None:
        """Send a message."""

    async def receive_json(self) -> Any:
        """Receive a JSON message."""

    async def send_json(self, data: object) -> None:
        """Send a JSON message."""

    async def close(self, code: int) -> None:
        """Close the connection with ``code``."""

    async def disconnect(self) -> None:
        """Vanish without a close frame."""


class _RequestKwargs(TypedDict, total=False):
    """The keywords of the test client's ``get``, ``post``, ... shortcuts: those
    of ``open`` except ``method``, with the same types and meanings."""

    headers: dict[str, str] | Headers | None
    data: str | bytes | Mapping[str, object] | None
    # Any, as the shortcuts' **kwargs were in Quart 0.22: test clients that
    # extensions build on this one (Quart-Schema's) take a model object here.
    form: Any
    files: dict[str, FileStorage] | None
    query_string: Any
    json: object
    scheme: str
    follow_redirects: bool
    root_path: str
    http_version: str
    scope_base: Mapping[str, object] | None
    auth: Authorization | tuple[str, str] | None
    subdomain: str | None


class TestClientProtocol(Protocol):
    """The interface of :attr:`Quart.test_client_class`."""

    app: Quart
    cookie_jar: CookieJar | None
    http_connection_class: type[TestHTTPConnectionProtocol]
    push_promises: list[tuple[str, Headers]]
    websocket_connection_class: type[TestWebsocketConnectionProtocol]

    def __init__(self, app: Quart, use_cookies: bool = True) -> None: ...

    async def open(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | Headers | None = None,
        data: str | bytes | Mapping[str, object] | None = None,
        form: Mapping[str, object] | None = None,
        files: dict[str, FileStorage] | None = None,
        query_string: Mapping[str, object] | None = None,
        json: object = _NO_JSON,
        scheme: str = "http",
        follow_redirects: bool = False,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: Mapping[str, object] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> Response:
        """Make a request and return the response."""

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | Headers | None = None,
        query_string: Mapping[str, object] | None = None,
        scheme: str = "http",
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: Mapping[str, object] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> TestHTTPConnectionProtocol:
        """Open a streaming request."""

    def websocket(
        self,
        path: str,
        *,
        headers: dict[str, str] | Headers | None = None,
        query_string: Mapping[str, object] | None = None,
        scheme: str = "ws",
        subprotocols: list[str] | None = None,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: Mapping[str, object] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> TestWebsocketConnectionProtocol:
        """Open a websocket."""

    async def delete(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a DELETE request."""

    async def get(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a GET request."""

    async def head(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a HEAD request."""

    async def options(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make an OPTIONS request."""

    async def patch(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a PATCH request."""

    async def post(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a POST request."""

    async def put(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a PUT request."""

    async def trace(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a TRACE request."""

    def set_cookie(
        self,
        server_name: str,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: int | float | datetime | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        charset: str = "utf-8",
    ) -> None:
        """Set a cookie in the jar."""

    def delete_cookie(
        self, server_name: str, key: str, path: str = "/", domain: str | None = None
    ) -> None:
        """Delete a cookie from the jar."""

    def session_transaction(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        headers: dict[str, str] | Headers | None = None,
        query_string: Mapping[str, object] | None = None,
        scheme: str = "http",
        data: str | bytes | None = None,
        form: Mapping[str, object] | None = None,
        json: object = _NO_JSON,
        root_path: str = "",
        http_version: str = "1.1",
        auth: Authorization | tuple[str, str] | None = None,
    ) -> AbstractAsyncContextManager[SessionMixin]:
        """Open the session for editing."""

    async def __aenter__(self) -> TestClientProtocol: ...

    async def __aexit__(
        self, exc_type: type, exc_value: BaseException, tb: TracebackType
    ) -> None: ...


class TestAppProtocol(Protocol):
    """The interface of :attr:`Quart.test_app_class`."""

    def __init__(self, app: Quart) -> None: ...

    async def __aenter__(self) -> TestAppProtocol: ...

    async def __aexit__(
        self, exc_type: type, exc_value: BaseException, tb: TracebackType
    ) -> None: ...

    async def startup(self) -> None:
        """Run the app's startup."""

    async def shutdown(self) -> None:
        """Run the app's shutdown."""

    def test_client(self) -> TestClientProtocol:
        """Make a test client for the app."""


class Event(Protocol):
    """The interface of :attr:`Quart.event_class` (e.g. :class:`asyncio.Event`)."""

    def is_set(self) -> bool:
        """Whether the event is set."""

    def set(self) -> None:
        """Set the event."""


# -- names Quart 0.22's module has, for code that imports them from here --------

from .datastructures import FileStorage as FileStorage  # noqa: E402

#: Imported on first use (see quart._lazy): Hypercorn's ASGI TypedDicts
#: (``hypercorn.typing`` loads h11, h2 and Hypercorn's config) and ``CookieJar``
#: are annotations only, so ``import quart`` does not need them.
_LAZY_NAMES: LazyNames = {
    name: ("hypercorn.typing", name)
    for name in (
        "ASGIReceiveCallable",
        "ASGIReceiveEvent",
        "ASGISendCallable",
        "ASGISendEvent",
        "HTTPScope",
        "LifespanScope",
        "Scope",
        "WebsocketScope",
        "WWWScope",
    )
} | {"CookieJar": ("http.cookiejar", "CookieJar")}


def __getattr__(name: str) -> object:
    return _lazy.load(__name__, name, _LAZY_NAMES)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _LAZY_NAMES)
