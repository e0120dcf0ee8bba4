"""The HTTP request, with a body that is read from the server on demand.

How the body works: the ASGI adapter gives :class:`Body` a ``pull``
coroutine that returns the next ``http.request`` chunk. Nothing reads ahead:
a chunk is pulled from the server only when the app iterates the body or
awaits it, so an unread body costs no memory (backpressure) and no task is
needed to fill a buffer. ``MAX_CONTENT_LENGTH`` is checked when reading
starts (against the declared length) and on every chunk (for chunked
bodies), so a limit changed in a hook still applies.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from typing import Any
from typing import Literal as Literal
from typing import NoReturn
from typing import overload
from typing import TYPE_CHECKING
from typing import TypeVar

from werkzeug.datastructures import CombinedMultiDict
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout
from werkzeug.sansio.request import Request as SansIORequest

from .. import json as _quart_json
from ..formparser import FormDataParser
from ..globals import _cv_app
from ..globals import current_app as current_app
from ._body_read import _BodyIterator
from ._body_read import _declared_length
from ._body_read import _LOOP_DEADLINE
from ._body_read import BodyDeadline
from .base import BaseRequestWebsocket

if TYPE_CHECKING:
    from ..typing import HTTPScope

__all__ = ["Body", "Request"]

#: Request headers copied into an HTTP/2 push promise.
SERVER_PUSH_HEADERS_TO_COPY = frozenset(
    {"accept", "accept-encoding", "accept-language", "cache-control", "user-agent"}
)

_Pull = Callable[[], Awaitable[tuple[bytes, bool]]]
_ASYNCIO_TIME = asyncio.BaseEventLoop.time
_WERKZEUG_IS_JSON = SansIORequest.__dict__["is_json"]
_WERKZEUG_MIMETYPE = SansIORequest.__dict__["mimetype"]
T = TypeVar("T")
_UNSET: Any = object()


class _ConfigLimit:
    """A request limit: the value set on this request, else the app's
    ``config[key]`` (``None`` outside an app context).

    The override is kept in the instance attribute ``_<name>`` (``None``:
    not overridden); ``on_set`` also runs when the limit is set.
    """

    def __init__(
        self,
        key: str,
        doc: str,
        *,
        on_set: Callable[[Request, int | None], None] | None = None,
    ) -> None:
        self._key = key
        self.__doc__ = doc
        self._on_set = on_set
        self._attribute = ""

    def __set_name__(self, owner: type[Request], name: str) -> None:
        self._attribute = f"_{name}"

    @overload
    def __get__(self, instance: None, owner: type[Request]) -> _ConfigLimit: ...

    @overload
    def __get__(self, instance: Request, owner: type[Request]) -> int | None: ...

    def __get__(self, instance: Request | None, owner: type[Request]) -> _ConfigLimit | int | None:
        if instance is None:
            return self
        value: int | None = getattr(instance, self._attribute, None)
        if value is not None:
            return value
        ctx = _cv_app.get(None)
        return ctx.app.config[self._key] if ctx is not None else None

    def __set__(self, instance: Request, value: int | None) -> None:
        setattr(instance, self._attribute, value)
        if self._on_set is not None:
            self._on_set(instance, value)


def _set_body_limit(request: Request, value: int | None) -> None:
    request.body._max = value


class Body:
    """The request body: ``async for chunk in body`` or ``await body``.

    :param expected_content_length: The declared ``Content-Length``.
    :param max_content_length: Raise 413 once the body exceeds this.
    """

    def __init__(self, expected_content_length: int | None, max_content_length: int | None) -> None:
        # Request.__init__ has a copy of these lines: keep the two in step.
        self._expected = expected_content_length
        self._max = max_content_length
        # Until the ASGI adapter wires it to the server (None), a body is
        # filled by whoever calls append() and set_complete() (tests, custom
        # servers): reading waits for them, as in Quart. Not the bound method
        # self._wait_for_data: that would be a reference cycle, so every
        # request would leave its body (and, through the source, the server's
        # request object and scope) to the cyclic GC. Over the wire on uvicorn
        # that GC cost ours 4.6 µs/request on `plaintext` and 29 µs on
        # `json_echo` (Starlette: 0.1), with 55-78 ms full collections in the
        # p99 (bench/NOTES.md, "Over the wire").
        self._pull: _Pull | None = None
        self._chunks: list[bytes] = []
        self._received = 0
        self._complete = False
        self._started = False
        self._data: bytes | None = None
        self._waiter: asyncio.Future[None] | None = None

    async def _wait_for_data(self) -> tuple[bytes, bool]:
        # The source of a body that another task fills with append() and
        # set_complete(): wait until it does.
        if not self._chunks and not self._complete:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return b"", True

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _check_declared(self) -> None:
        self._started = True
        if self._max is not None and self._expected is not None and self._expected > self._max:
            raise RequestEntityTooLarge()

    async def _next_chunk(self) -> bytes | None:
        if not self._started:
            # _check_declared(), inlined (bench: json_echo, make bench-instr).
            self._started = True
            if self._max is not None and self._expected is not None and self._expected > self._max:
                raise RequestEntityTooLarge()
        if self._chunks:
            # Chunks read ahead (by a disconnect watcher, or a test) count too.
            if self._max is not None and self._received > self._max:
                raise RequestEntityTooLarge()
            return self._chunks.pop(0)
        if self._complete:
            return None
        pull = self._pull
        data, more = await (self._wait_for_data() if pull is None else pull())
        if not more:
            self._complete = True
        if data:
            self._received += len(data)
            if self._max is not None and self._received > self._max:
                self._complete = True
                raise RequestEntityTooLarge()
            return data
        if self._chunks:
            # Nothing from the source itself, but another reader (the
            # disconnect watcher, a filling task) buffered chunks meanwhile.
            return b""
        return None if self._complete else b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        # A plain iterator object, not an async generator: asyncio registers
        # every async generator in a WeakSet, which costs more than the loop
        # (bench: json_echo, `make bench-instr`).
        return _BodyIterator(self, None)

    def __await__(self) -> Generator[object, None, bytes]:
        return self._read_all().__await__()

    async def _read_all(self) -> bytes:
        if self._data is None:
            parts = []
            pull = self._pull
            if pull is not None and not self._started and not self._chunks and not self._complete:
                # The first chunk as _next_chunk() reads it, without the call
                # (bench: json_echo, make bench-instr): keep the two in step.
                self._started = True
                if (
                    self._max is not None
                    and self._expected is not None
                    and self._expected > self._max
                ):
                    raise RequestEntityTooLarge()
                data, more = await pull()
                if not more:
                    self._complete = True
                if data:
                    self._received += len(data)
                    if self._max is not None and self._received > self._max:
                        self._complete = True
                        raise RequestEntityTooLarge()
                if self._complete and not self._chunks:
                    # The whole body came in one message (the usual case).
                    self._data = data
                    return data
                parts.append(data)
            while True:
                chunk = await self._next_chunk()
                if chunk is None:
                    break
                parts.append(chunk)
                if self._complete and not self._chunks:
                    break  # that was the last one: no call just to learn so
            # Most bodies arrive in one message: no join (and no copy) then.
            self._data = parts[0] if len(parts) == 1 else b"".join(parts)
        return self._data

    def append(self, data: bytes) -> None:
        """Add a chunk (for tests and custom servers)."""
        if data:
            self._received += len(data)
            self._chunks.append(data)
            self._wake()

    def set_complete(self) -> None:
        """Mark the body as complete: no more chunks will come."""
        self._complete = True
        self._wake()

    def set_result(self, data: bytes) -> None:
        """Set the whole body at once (for tests)."""
        self.append(data)
        self.set_complete()

    def clear(self) -> None:
        """Drop any buffered data."""
        self._chunks.clear()
        self._data = None


class Request(BaseRequestWebsocket):
    """An HTTP request, as seen by views and hooks through ``request``.

    Everything Werkzeug's sans-IO request parses (``args``, ``headers``,
    ``cookies``, ``accept_*``, ``authorization``...) plus async access to
    the body: ``await request.get_data()``, ``await request.form``,
    ``await request.get_json()``, ``async for chunk in request.body``.
    """

    body_class = Body
    # Enforces BODY_TIMEOUT (see BodyDeadline); the ASGI adapter sets its own.
    _body_deadline: BodyDeadline = _LOOP_DEADLINE
    form_data_parser_class = FormDataParser
    lock_class = asyncio.Lock
    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None
    # Whether __init__ takes content_length= (the ASGI adapter passes the
    # length it already parsed); a subclass whose own __init__ has Quart
    # 0.22's signature does not, and is built without it.
    _takes_content_length = True
    # Whether ``is_json`` and ``mimetype`` are Werkzeug's, so get_json may
    # test the mimetype itself (decided per class; bench: json_echo, make
    # bench-instr: two property calls per JSON body).
    _plain_is_json = True

    _form: MultiDict[str, str] | None = None
    _files: MultiDict[str, FileStorage] | None = None
    _json: Any = _UNSET
    _parse_lock: asyncio.Lock | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_is_json = cls.is_json is _WERKZEUG_IS_JSON and cls.mimetype is _WERKZEUG_MIMETYPE
        if "__init__" in cls.__dict__:
            parameters = inspect.signature(cls.__init__).parameters.values()
            cls._takes_content_length = any(
                p.name == "content_length" or p.kind is p.VAR_KEYWORD for p in parameters
            )

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        root_path: str,
        http_version: str,
        scope: HTTPScope,
        *,
        max_content_length: int | None = None,
        body_timeout: int | None = None,
        send_push_promise: Callable[[str, Headers], Awaitable[None]],
        content_length: int | None = _UNSET,
    ) -> None:
        # BaseRequestWebsocket.__init__, inlined (a call per request; bench:
        # plaintext, make bench-instr): keep the two in step.
        client = scope.get("client")
        self.method = method.upper()
        self.scheme = scheme
        self.server = scope.get("server")
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        self.headers = headers
        self.remote_addr = client[0] if client else "<local>"
        self.http_version = http_version
        self.scope = scope
        self.body_timeout = body_timeout
        if content_length is _UNSET:
            content_length = _declared_length(headers)
        body_class = self.body_class
        if body_class is Body:
            # Body.__init__, inlined (bench: plaintext, make bench-instr):
            # keep the two in step.
            body = Body.__new__(Body)
            body._expected = content_length
            body._max = max_content_length
            body._pull = None
            body._chunks = []
            body._received = 0
            body._complete = False
            body._started = False
            body._data = None
            body._waiter = None
            self.body = body
        else:
            self.body = body_class(content_length, max_content_length)
        if max_content_length is not None:
            self._max_content_length = max_content_length
        self._send_push_promise = send_push_promise
        # _form, _files, _json and _parse_lock start as the class's defaults
        # (bench: plaintext, make bench-instr: four stores per request).

    # -- limits ---------------------------------------------------------

    max_content_length = _ConfigLimit(
        "MAX_CONTENT_LENGTH",
        """The body size limit for this request (413 beyond it).

        Defaults to ``MAX_CONTENT_LENGTH``; setting it in a hook or view
        applies to this request's body as long as it has not been read yet.
        """,
        on_set=_set_body_limit,
    )
    max_form_memory_size = _ConfigLimit(
        "MAX_FORM_MEMORY_SIZE",
        """The largest non-file form field allowed (``MAX_FORM_MEMORY_SIZE``).""",
    )
    max_form_parts = _ConfigLimit(
        "MAX_FORM_PARTS", """The most multipart parts allowed (``MAX_FORM_PARTS``)."""
    )

    # -- raw body -------------------------------------------------------

    async def _read_body(self) -> bytes:
        body = self.body
        if self.body_timeout is None or body._data is not None or body._complete:
            return await body
        loop = asyncio.get_running_loop()
        # asyncio's loop.time() is a Python method around time.monotonic()
        # (bench: json_echo, make bench-instr); another loop's is called.
        now = time.monotonic() if type(loop).time is _ASYNCIO_TIME else loop.time()
        # _before(deadline, when, body._read_all()), inlined: a coroutine less
        # per body read (bench: json_echo). Keep the two in step.
        deadline = self._body_deadline
        token = deadline.start(now + self.body_timeout)
        try:
            result = await body._read_all()
        except asyncio.CancelledError:
            if deadline.end(token, True):
                raise RequestTimeout() from None
            raise
        except BaseException:
            deadline.end(token, False)  # a 413, a disconnect...
            raise
        deadline.end(token, False)
        return result

    @overload
    async def get_data(
        self, cache: bool = ..., as_text: Literal[False] = ..., parse_form_data: bool = ...
    ) -> bytes: ...
    @overload
    async def get_data(
        self, cache: bool = ..., *, as_text: Literal[True], parse_form_data: bool = ...
    ) -> str: ...
    @overload
    async def get_data(
        self, cache: bool = ..., as_text: bool = ..., parse_form_data: bool = ...
    ) -> str | bytes: ...
    async def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> str | bytes:
        """Read the whole body (within ``BODY_TIMEOUT``, else 408).

        :param cache: Keep the body for later calls (it always is).
        :param as_text: Decode as UTF-8 (invalid bytes replaced).
        :param parse_form_data: Parse form data first; the raw data is then
            empty for form content types.
        """
        if parse_form_data:
            await self._load_form_data()
        raw = await self._read_body()
        if as_text:
            return raw.decode(errors="replace")
        return raw

    @property
    async def data(self) -> bytes:
        """The raw body as bytes (awaitable)."""
        return await self.get_data(as_text=False)

    @property
    def stream(self) -> NoReturn:
        """Not available: use ``async for chunk in request.body``."""
        raise NotImplementedError("Use 'async for chunk in request.body' instead.")

    # -- forms ----------------------------------------------------------

    def make_form_data_parser(self) -> FormDataParser:
        """Create the parser for form bodies, with this request's limits."""
        return self.form_data_parser_class(
            max_content_length=self.max_content_length,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )

    async def _load_form_data(self) -> None:
        if self._form is not None:
            return
        if self._parse_lock is None:
            self._parse_lock = self.lock_class()
        async with self._parse_lock:
            if self._form_loaded():  # by another task while this one waited
                return
            parser = self.make_form_data_parser()
            # The declared length, as parsed for the body (request.content_length
            # would parse it again through Werkzeug's cached property).
            length = self.body._expected
            limit = parser.max_form_memory_size
            if self.body._data is not None:
                source: AsyncIterable[bytes] = self.body
            elif (
                length is not None
                and (limit is None or length <= limit)
                and self.mimetype != "multipart/form-data"
            ):
                # A small declared urlencoded body: read it under one deadline
                # rather than arming a timer for every chunk.
                await self._read_body()
                source = self.body
            else:
                source = self._timed_body()
            form, files = await parser.parse(source, self.mimetype, length, self.mimetype_params)
            self._files = files
            self._form = form

    def _form_loaded(self) -> bool:
        # A call, not ``self._form is not None`` inline: mypy would keep the
        # first check's narrowing across the wait for the lock.
        return self._form is not None

    def _timed_body(self) -> AsyncIterator[bytes]:
        if self.body_timeout is None:
            return _BodyIterator(self.body, None)
        when = asyncio.get_running_loop().time() + self.body_timeout
        return _BodyIterator(self.body, when, self._body_deadline)

    @property
    async def form(self) -> MultiDict[str, str]:
        """The parsed urlencoded or multipart form fields (awaitable)."""
        await self._load_form_data()
        assert self._form is not None  # set by _load_form_data
        return self._form

    @property
    async def files(self) -> MultiDict[str, FileStorage]:
        """The uploaded files, as :class:`~quart.datastructures.FileStorage`."""
        await self._load_form_data()
        assert self._files is not None  # set by _load_form_data
        return self._files

    @property
    async def values(self) -> CombinedMultiDict[str, str]:
        """``args`` combined with ``form`` (form skipped for GET)."""
        sources: list[MultiDict[str, str]] = [self.args]
        if self.method != "GET":
            sources.append(await self.form)
        return CombinedMultiDict(sources)

    # -- JSON -----------------------------------------------------------

    @property
    async def json(self) -> Any:
        """The parsed JSON body, or ``None`` when the mimetype is not JSON."""
        return await self.get_json()

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        :param force: Parse even if the content type is not JSON.
        :param silent: Return ``None`` instead of raising on bad JSON.
        :param cache: Remember the parsed value for later calls.

        Returns ``None`` when the content type is not JSON (and ``force`` is
        false). Malformed JSON, invalid UTF-8, nesting too deep for the
        parser and oversized integers all end in 400 Bad Request.
        """
        if cache and self._json is not _UNSET:
            return self._json
        if not force:
            if self._plain_is_json:
                # Werkzeug's is_json and mimetype, inlined.
                self._parse_content_type()
                mimetype = self._parsed_content_type[0].lower()
                if not (
                    mimetype == "application/json"
                    or (mimetype.startswith("application/") and mimetype.endswith("+json"))
                ):
                    return None
            elif not self.is_json:
                return None
        body = self.body
        data = body._data if body._data is not None else await self._read_body()
        try:
            # The app's JSON provider, as ``json_module.loads`` would find it,
            # without the lookups in between (unless json_module was
            # replaced); in place, not a method of its own (bench: json_echo,
            # make bench-instr).
            ctx = _cv_app.get(None) if self.json_module is _quart_json else None
            if ctx is not None:
                result = ctx.app.json.loads(data)
            else:
                result = self.json_module.loads(data)
        except (ValueError, RecursionError) as error:
            if silent:
                result = None
            else:
                result = self.on_json_loading_failed(error)
        if cache:
            self._json = result
        return result

    def on_json_loading_failed(self, error: Exception) -> Any:
        """Called when the body is not valid JSON; raises 400 by default.

        :param error: What the JSON parser raised.
        """
        raise BadRequest(f"The browser (or proxy) sent a request that was not valid JSON: {error}")

    # -- misc -----------------------------------------------------------

    async def send_push_promise(self, path: str) -> None:
        """Ask the server to push ``path`` (HTTP/2 only; a no-op otherwise)."""
        headers = Headers()
        for name, value in self.headers.items():
            if name.lower() in SERVER_PUSH_HEADERS_TO_COPY:
                headers.add(name, value)
        await self._send_push_promise(path, headers)

    async def close(self) -> None:
        """Close any uploaded files."""
        if self._files is not None:
            # Every file, also the second and later ones sent under one name
            # (``<input type="file" multiple>``): values() gives only the first.
            for _, file in self._files.items(multi=True):
                file.close()


# -- names Quart 0.22's module has, for code that imports them from here --------

from ..datastructures import FileStorage as FileStorage  # noqa: E402
