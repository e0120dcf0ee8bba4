"""The in-process test client: ``await app.test_client().get("/")``.

``open`` calls the app directly in the test's own task (no server, no
socket, no extra task), so with ``async with client:`` the request context
the app leaves behind is still current in the test for inspection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from collections.abc import Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from datetime import timedelta
from email.message import Message
from http.cookiejar import CookieJar
from types import TracebackType
from typing import cast
from typing import TYPE_CHECKING
from typing import Unpack
from urllib.parse import urljoin
from urllib.parse import urlsplit
from urllib.request import Request as U2Request

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import Headers
from werkzeug.http import dump_cookie

from ..asgi._http import KEEP_HEAD_BODY
from ..datastructures import FileStorage as FileStorage
from ..globals import _cv_request as _cv_request
from ..sessions import _open_session
from ..sessions import _save_session
from ..sessions import SessionMixin
from ..typing import _RequestKwargs
from ..typing import TestHTTPConnectionProtocol as TestHTTPConnectionProtocol
from ..typing import TestWebsocketConnectionProtocol as TestWebsocketConnectionProtocol
from ..utils import decode_headers
from ..wrappers import Response as Response
from .connections import TestHTTPConnection
from .connections import TestWebsocketConnection
from .utils import _test_scope_dict
from .utils import make_test_body_with_headers
from .utils import make_test_headers_path_and_query_string
from .utils import sentinel

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveEvent
    from ..typing import ASGISendEvent
    from ..typing import HTTPScope
    from ..typing import WebsocketScope

__all__ = ["QuartClient"]


# Methods whose requests normally carry no body (see _make_request).
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


def _path_matches(cookie_path: str, request_path: str) -> bool:
    """Whether a cookie for ``cookie_path`` goes with a request for
    ``request_path`` (RFC 6265 §5.1.4)."""
    if request_path == cookie_path or cookie_path in {"", "/"}:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"


class _CookieJarResponse:
    """What ``CookieJar.extract_cookies`` needs from a response."""

    def __init__(self, headers: Headers) -> None:
        self._headers = headers
        self.headers = headers

    def info(self) -> Message:
        """The ``Set-Cookie`` headers, as an email message (the jar's input)."""
        message = Message()
        for value in self._headers.getlist("Set-Cookie"):
            message["Set-Cookie"] = value
        return message


class _TestWrapper:
    """Werkzeug headers seen through the ``get_all`` method the cookie jar uses."""

    def __init__(self, headers: Headers) -> None:
        self.headers = headers

    def get_all(self, name: str, default: list[str] | None = None) -> list[str]:
        """Every value of header ``name`` (``default`` or ``[]`` if none)."""
        return self.headers.getlist(name) or default or []


class _TestCookieJarResponse:
    """A response as ``CookieJar.extract_cookies`` reads it (Quart's name)."""

    def __init__(self, headers: Headers) -> None:
        self.headers = headers

    def info(self) -> _TestWrapper:
        """The headers, with ``get_all``."""
        return _TestWrapper(self.headers)


class QuartClient:
    """Make requests to the app without a server.

    :param app: The application.
    :param use_cookies: Keep cookies between requests.
    """

    http_connection_class: type[TestHTTPConnectionProtocol] = TestHTTPConnection
    websocket_connection_class: type[TestWebsocketConnectionProtocol] = TestWebsocketConnection

    def __init__(self, app: Quart, use_cookies: bool = True) -> None:
        self.app = app
        #: The cookie jar (``None`` when cookies are off).
        self.cookie_jar: CookieJar | None = CookieJar() if use_cookies else None
        #: Push promises the app made, as ``(path, headers)``.
        self.push_promises: list[tuple[str, Headers]] = []
        #: Keep the last request's context pushed (``async with client:``).
        self.preserve_context = False
        # The lifespan state of the TestApp that made this client (see
        # TestApp.test_client): each request's scope gets a copy of it.
        self._lifespan_state: dict[str, object] | None = None

    # -- requests -------------------------------------------------------------

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
        json: object = sentinel,
        scheme: str = "http",
        follow_redirects: bool = False,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: Mapping[str, object] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> Response:
        """Make a request and return the response.

        :param data: The raw body (``str`` or ``bytes``), or a ``dict`` /
            ``MultiDict`` sent as a form, as Flask's test client does:
            multipart when a value is a file (``FileStorage``, an open
            file, or a ``(file, filename[, content_type])`` tuple),
            urlencoded otherwise.
        :param form: Form fields (urlencoded, or multipart with ``files``).
        :param files: Files to upload, as ``FileStorage``.
        :param json: A value sent as a JSON body.
        :param query_string: Query arguments.
        :param auth: ``(username, password)`` for basic auth, or an ``Authorization``.
        :param follow_redirects: Follow redirects (303 and 301/302 of a POST become GET).
        """
        # As Quart's: the push promises of this request (and its redirects).
        self.push_promises = []
        redirects = 0
        while True:
            response = await self._make_request(
                path,
                method,
                headers,
                data,
                form,
                files,
                query_string,
                json,
                scheme,
                root_path,
                http_version,
                scope_base,
                auth,
                subdomain,
            )
            if not (
                follow_redirects
                and 300 <= response.status_code < 400
                and "Location" in response.headers
            ):
                break
            redirects += 1
            if redirects > 30:
                raise RuntimeError("More than 30 redirects: is there a redirect loop?")
            location = urljoin(f"{scheme}://localhost{path}", response.headers["Location"])
            parts = urlsplit(location)
            scheme = parts.scheme or scheme
            path = parts.path or "/"
            query_string = None
            if parts.query:
                path = f"{path}?{parts.query}"
            if response.status_code == 303 or (
                response.status_code in {301, 302} and method not in {"GET", "HEAD"}
            ):
                method, data, form, files, json = "GET", None, None, None, sentinel
        return response

    async def _make_request(
        self,
        path: str,
        method: str,
        headers: dict[str, str] | Headers | None,
        data: str | bytes | Mapping[str, object] | None,
        form: Mapping[str, object] | None,
        files: dict[str, FileStorage] | None,
        query_string: Mapping[str, object] | None,
        json: object,
        scheme: str,
        root_path: str,
        http_version: str,
        scope_base: Mapping[str, object] | None,
        auth: Authorization | tuple[str, str] | None,
        subdomain: str | None,
    ) -> Response:
        headers, path, query = make_test_headers_path_and_query_string(
            self.app, path, headers, query_string, auth, subdomain
        )
        body, body_headers = make_test_body_with_headers(
            data=data, form=form, files=files, json=json, app=self.app
        )
        headers.update(body_headers)
        if body and method in _BODYLESS_METHODS and "Content-Length" not in headers:
            # Quart's test client sends no Content-Length; the app reads a
            # body without one except for these methods, which normally
            # carry none: declare it so a GET with a JSON body is read.
            headers["Content-Length"] = str(len(body))
        self._add_cookie_header(headers, scheme, path)
        await self._pop_preserved()
        scope = self._scope(
            "http",
            path,
            method,
            headers,
            query,
            scheme,
            root_path,
            http_version,
            scope_base,
            self.preserve_context,
        )
        messages: list[ASGISendEvent] = []
        finished = asyncio.Event()
        body_sent = False

        async def receive() -> ASGIReceiveEvent:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: ASGISendEvent) -> None:
            messages.append(message)

        try:
            await self.app(cast("HTTPScope", scope), receive, send)
        finally:
            finished.set()
        return self._build_response(messages, scheme, path)

    def _scope(
        self,
        type_: str,
        path: str,
        method: str,
        headers: Headers,
        query: bytes,
        scheme: str,
        root_path: str,
        http_version: str,
        scope_base: Mapping[str, object] | None,
        preserve_context: bool,
    ) -> dict[str, object]:
        scope = _test_scope_dict(
            type_,
            path,
            method,
            headers,
            query,
            scheme,
            root_path,
            http_version,
            scope_base,
            preserve_context,
        )
        if self._lifespan_state is not None:
            # As a server does: each connection gets a shallow copy of the
            # state the lifespan startup filled.
            scope["state"] = dict(self._lifespan_state)
        if method == "HEAD":
            # As Quart's: the body the view produced, even for HEAD (a
            # server drops it; the ASGI layer leaves it out otherwise).
            scope[KEEP_HEAD_BODY] = True
        return scope

    def _build_response(self, messages: list[ASGISendEvent], scheme: str, path: str) -> Response:
        status = 500
        headers = Headers()
        chunks = []
        for message in messages:
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = decode_headers(message["headers"])
            elif message["type"] == "http.response.body":
                chunks.append(message["body"])
            elif message["type"] == "http.response.push":
                self.push_promises.append((message["path"], decode_headers(message["headers"])))
        response = self.app.response_class(b"".join(chunks), status=status, headers=headers)
        self._extract_cookies(response.headers, scheme, path)
        return response

    async def get(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a GET request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="GET", **kwargs)

    async def post(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a POST request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="POST", **kwargs)

    async def put(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a PUT request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="PUT", **kwargs)

    async def delete(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a DELETE request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="DELETE", **kwargs)

    async def patch(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a PATCH request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="PATCH", **kwargs)

    async def head(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a HEAD request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="HEAD", **kwargs)

    async def options(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make an OPTIONS request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="OPTIONS", **kwargs)

    async def trace(self, path: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        """Make a TRACE request; the keywords are :meth:`open`'s, except ``method``."""
        return await self.open(path, method="TRACE", **kwargs)

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
        """Open a streaming request, to send the body and read the response in pieces.

        ``async with client.request("/up", method="POST") as connection:``
        """
        headers, path, query = make_test_headers_path_and_query_string(
            self.app, path, headers, query_string, auth, subdomain
        )
        self._add_cookie_header(headers, scheme, path)
        scope = self._scope(
            "http",
            path,
            method,
            headers,
            query,
            scheme,
            root_path,
            http_version,
            scope_base,
            self.preserve_context,
        )
        connection = self.http_connection_class(
            self.app, cast("HTTPScope", scope), _preserve_context=self.preserve_context
        )
        if isinstance(connection, TestHTTPConnection):
            connection._client_push_promises = self.push_promises
        return connection

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
        """Open a websocket: ``async with client.websocket("/ws") as ws:``."""
        headers, path, query = make_test_headers_path_and_query_string(
            self.app, path, headers, query_string, auth, subdomain
        )
        self._add_cookie_header(headers, scheme, path)
        scope = self._scope(
            "websocket",
            path,
            "GET",
            headers,
            query,
            scheme,
            root_path,
            http_version,
            scope_base,
            self.preserve_context,
        )
        if subprotocols is not None:
            # Quart's test client drops them; here the app sees what was asked for.
            scope["subprotocols"] = list(subprotocols)
        return self.websocket_connection_class(self.app, cast("WebsocketScope", scope))

    # -- cookies ----------------------------------------------------------------

    def _url(self, scheme: str, host: str, path: str) -> str:
        scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
        return f"{scheme}://{host}{path}"

    def _add_cookie_header(self, headers: Headers, scheme: str, path: str) -> None:
        # As Quart's test client: every cookie in the jar, whatever the
        # server name it was set for, each in its own Cookie header. Cookies
        # that have expired, or whose path does not cover the request's,
        # stay behind (as a browser keeps them).
        if self.cookie_jar is None:
            return
        now = int(datetime.now().timestamp())
        for cookie in self.cookie_jar:
            if cookie.is_expired(now) or not _path_matches(cookie.path, path):
                continue
            headers.add("Cookie", f"{cookie.name}={cookie.value}")

    def _extract_cookies(
        self, headers: Headers, scheme: str, path: str, host: str | None = None
    ) -> None:
        if self.cookie_jar is None or "Set-Cookie" not in headers:
            return
        host = host or self.app.config["SERVER_NAME"] or "localhost"
        self.cookie_jar.extract_cookies(
            _CookieJarResponse(headers),  # type: ignore[arg-type]
            U2Request(self._url(scheme, host, path)),
        )

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
        """Put a cookie in the jar, as if ``server_name`` had set it."""
        cookie = dump_cookie(
            key,
            value=value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )
        self._extract_cookies(Headers([("Set-Cookie", cookie)]), "http", path, host=server_name)

    def delete_cookie(
        self, server_name: str, key: str, path: str = "/", domain: str | None = None
    ) -> None:
        """Remove a cookie from the jar."""
        self.set_cookie(server_name, key, expires=0, max_age=0, path=path, domain=domain)

    # -- sessions ---------------------------------------------------------------

    @asynccontextmanager
    async def session_transaction(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        headers: dict[str, str] | Headers | None = None,
        query_string: Mapping[str, object] | None = None,
        scheme: str = "http",
        data: str | bytes | None = None,
        form: Mapping[str, object] | None = None,
        json: object = sentinel,
        root_path: str = "",
        http_version: str = "1.1",
        auth: Authorization | tuple[str, str] | None = None,
    ) -> AsyncGenerator[SessionMixin, None]:
        """Open the session the client's cookies carry, let the test read or
        change it, and store it back in the cookie jar::

            async with client.session_transaction() as session:
                session["user_id"] = 1

        The block runs in a request context for ``path`` (built from the
        other arguments, as for :meth:`open`), where ``session`` is the
        yielded session. Nothing is saved if the block raises.

        :raises RuntimeError: When cookies are off, or no session can be
            opened (usually because ``SECRET_KEY`` is not set).
        """
        if self.cookie_jar is None:
            raise RuntimeError(
                "Session transactions need cookies; create the client with use_cookies=True."
            )
        headers = Headers(headers)
        headers.setdefault("Host", self.app.config["SERVER_NAME"] or "localhost")
        self._add_cookie_header(headers, scheme, path)
        interface = self.app.session_interface
        async with self.app.test_request_context(
            path,
            method=method,
            headers=headers,
            query_string=query_string,
            scheme=scheme,
            data=data,
            form=form,
            json=json,
            root_path=root_path,
            http_version=http_version,
            auth=auth,
        ) as ctx:
            # A session interface that opens on push already did; the
            # default cookie session is opened here.
            session = ctx._session
            if session is None:
                session = await _open_session(interface, self.app, ctx.request)
            if session is None or interface.is_null_session(session):
                raise RuntimeError(
                    "The session interface did not open a session, so there is"
                    " nothing to change. Set SECRET_KEY (app.secret_key) for the"
                    " default cookie session."
                )
            ctx.session = session
            yield session
            response = self.app.response_class(b"")
            await _save_session(interface, self.app, session, response)
            self._extract_cookies(response.headers, scheme, path, host=headers["Host"])

    # -- context preservation ------------------------------------------------

    async def _pop_preserved(self) -> None:
        ctx = self.app._preserved_context
        if ctx is not None:
            self.app._preserved_context = None
            ctx.preserved = False
            await ctx.pop(None)

    async def __aenter__(self) -> QuartClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.preserve_context = False
        await self._pop_preserved()
