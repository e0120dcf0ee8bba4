"""Response compression: gzip, brotli and zstd, negotiated from ``Accept-Encoding``.

Off by default; ``COMPRESS_ENABLED = True`` turns it on::

    app.config["COMPRESS_ENABLED"] = True

Theory of operation. Compression is one step at the end of the HTTP
pipeline's finalize step: after the ``after_request`` functions and the
session save (so those see the response the view made), before the
``request_finished`` signal and the server. With ``COMPRESS_ENABLED`` off the
step costs one config lookup per request and nothing else (bench: the 100 KB
JSON response with compression off, ``make bench-compress``).

A response is *eligible* when its status is not 1xx, 204, 206 or 304, it has
no ``Content-Encoding`` or ``Content-Range``, no ``Cache-Control:
no-transform``, its mimetype matches ``COMPRESS_MIMETYPES``, its size (when
known) is at least ``COMPRESS_MIN_SIZE``, and the app did not set
``response.compress = False``. An eligible response always gets ``Vary:
Accept-Encoding`` (it depends on that header, whoever asks); it is then
compressed unless the request is ``HEAD`` or the client accepts none of
``COMPRESS_ALGORITHMS`` (server preference order, ties in the client's
q-values go to the earlier one; an explicit ``identity`` preferred over all
of them is honoured).

* A body in memory is compressed in one piece (in a worker thread above
  256 KiB), kept as it was if that does not make it smaller, and gets the
  new ``Content-Length``.
* A streamed body (a generator, server-sent events, a streamed template) is
  compressed chunk by chunk with a flush after each chunk, so every chunk
  the app yields reaches the client at once, decodable; it has no
  ``Content-Length``.
* A file body (``send_file``, static files) is compressed as it is read,
  without per-chunk flushes (better ratio), keeping the per-chunk
  ``RESPONSE_TIMEOUT`` of files.
* A strong ``ETag`` becomes weak (``W/"..."``): the bytes differ from the
  identity representation's. ``Accept-Ranges`` is dropped: ranges are
  answered on the identity representation only (a ``206`` is never
  compressed).

``send_file`` of a path with a precompressed sibling (``app.js.br``,
``app.js.gz``, ``app.js.zst``) that the client accepts sends the sibling
instead (``Content-Encoding``, the original's mimetype, its own strong ETag
and size), for ranges too, which then count bytes of the sibling.

Brotli needs the ``brotli`` (or ``brotlicffi``) package and zstd the
``zstandard`` package (the standard library's ``compression.zstd`` on Python
3.14+); ``pip install quart[compress]`` brings both. Algorithms whose package
is missing are skipped; gzip is always there.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from typing import Self
from typing import TYPE_CHECKING
from typing import TypeVar

from werkzeug.http import parse_accept_header

from ._concurrency import run_in_thread
from .config import DEFAULT_CONFIG
from .globals import _cv_request
from .wrappers.response import _SeekableBody
from .wrappers.response import DataBody
from .wrappers.response import ReaderBody
from .wrappers.response import Response
from .wrappers.response import ResponseBody

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers

    from .app import Quart
    from .wrappers import Request
    from .wrappers import Websocket

__all__ = ["DEFAULT_LEVELS", "DEFAULT_MIMETYPES", "available_algorithms"]

T = TypeVar("T")

#: The level of each algorithm when ``COMPRESS_LEVEL`` does not name one:
#: its usual balance of speed and ratio.
DEFAULT_LEVELS: dict[str, int] = {"zstd": 3, "br": 4, "gzip": 6}

#: ``COMPRESS_MIMETYPES``'s default: text and the text-like formats
#: (``type/*`` matches every subtype).
DEFAULT_MIMETYPES: tuple[str, ...] = DEFAULT_CONFIG["COMPRESS_MIMETYPES"]

#: The file name suffix of a precompressed sibling, per algorithm.
_SUFFIXES = {"zstd": ".zst", "br": ".br", "gzip": ".gz"}
#: Valid levels per algorithm (inclusive).
_LEVEL_RANGES = {"zstd": (1, 22), "br": (0, 11), "gzip": (1, 9)}
#: Bodies (or chunks) at least this large are compressed in a worker thread.
_THREAD_AT = 256 * 1024
_CHUNK_THREAD_AT = 16 * 1024
#: Statuses never compressed (no body, a range of the identity body, or interim).
_NEVER_STATUSES = frozenset({204, 206, 304})


class _Stream:
    """One response's compressor: ``compress(chunk)`` then ``finish()``."""

    __slots__ = ("_compress", "_finish", "_flush")

    def __init__(
        self,
        compress: Callable[[bytes], bytes],
        flush: Callable[[], bytes] | None,
        finish: Callable[[], bytes],
    ) -> None:
        self._compress = compress
        self._flush = flush
        self._finish = finish

    def compress(self, chunk: bytes) -> bytes:
        """Compress ``chunk``; flushed (decodable at once) if the stream flushes."""
        out = self._compress(chunk)
        if self._flush is not None:
            out += self._flush()
        return out

    def finish(self) -> bytes:
        """The end of the compressed stream."""
        return self._finish()


class _Codec:
    """One algorithm: a one-shot compressor and a streaming one."""

    __slots__ = ("name", "one_shot", "stream")

    def __init__(
        self,
        name: str,
        one_shot: Callable[[bytes, int], bytes],
        stream: Callable[[int, bool], _Stream],
    ) -> None:
        self.name = name
        self.one_shot = one_shot
        self.stream = stream


def _gzip_codec() -> _Codec:
    def one_shot(data: bytes, level: int) -> bytes:
        return zlib.compress(data, level, wbits=31)

    def stream(level: int, flush: bool) -> _Stream:
        compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
        sync = (lambda: compressor.flush(zlib.Z_SYNC_FLUSH)) if flush else None
        return _Stream(compressor.compress, sync, compressor.flush)

    return _Codec("gzip", one_shot, stream)


def _brotli_codec() -> _Codec | None:
    try:
        import brotli  # type: ignore[import-untyped]
    except ImportError:
        try:
            import brotlicffi as brotli  # type: ignore[import-not-found]
        except ImportError:
            return None

    def one_shot(data: bytes, level: int) -> bytes:
        compressed: bytes = brotli.compress(data, quality=level)
        return compressed

    def stream(level: int, flush: bool) -> _Stream:
        compressor = brotli.Compressor(quality=level)
        return _Stream(compressor.process, compressor.flush if flush else None, compressor.finish)

    return _Codec("br", one_shot, stream)


def _zstd_codec() -> _Codec | None:
    try:  # Python 3.14+
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        zstd = None
    if zstd is not None:  # pragma: no cover - the test venvs are 3.11 to 3.13

        def one_shot(data: bytes, level: int) -> bytes:
            compressed: bytes = zstd.compress(data, level=level)
            return compressed

        def stream(level: int, flush: bool) -> _Stream:
            compressor = zstd.ZstdCompressor(level=level)
            block = zstd.ZstdCompressor.FLUSH_BLOCK
            sync = (lambda: compressor.flush(block)) if flush else None
            return _Stream(compressor.compress, sync, compressor.flush)

        return _Codec("zstd", one_shot, stream)
    try:
        import zstandard
    except ImportError:
        return None

    def one_shot_zstandard(data: bytes, level: int) -> bytes:
        return zstandard.ZstdCompressor(level=level).compress(data)

    def stream_zstandard(level: int, flush: bool) -> _Stream:
        compressor = zstandard.ZstdCompressor(level=level).compressobj()
        block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        sync = (lambda: compressor.flush(block)) if flush else None
        return _Stream(compressor.compress, sync, compressor.flush)

    return _Codec("zstd", one_shot_zstandard, stream_zstandard)


_CODECS: dict[str, _Codec | None] = {}
_LOADERS: dict[str, Callable[[], _Codec | None]] = {
    "gzip": _gzip_codec,
    "br": _brotli_codec,
    "zstd": _zstd_codec,
}


def _codec(name: str) -> _Codec | None:
    """The codec for ``name``, or ``None`` if its package is missing (imported once)."""
    if name not in _CODECS:
        _CODECS[name] = _LOADERS[name]()
    return _CODECS[name]


def available_algorithms() -> list[str]:
    """The algorithms this installation can compress with, in the default
    preference order: ``"zstd"`` and ``"br"`` when their packages are
    installed, and always ``"gzip"``."""
    return [name for name in DEFAULT_LEVELS if _codec(name) is not None]


class _Settings:
    """The ``COMPRESS_*`` keys, checked and ready to use."""

    def __init__(
        self,
        min_size: object,
        level: int | Mapping[str, int] | None,
        mimetypes: Iterable[str],
        algorithms: Iterable[str],
    ) -> None:
        # The COMPRESS_* values as documented; checked here all the same.
        if type(min_size) is not int or min_size < 0:
            raise ValueError(f"COMPRESS_MIN_SIZE is a number of bytes >= 0, not {min_size!r}.")
        if isinstance(algorithms, str) or not all(isinstance(a, str) for a in algorithms):
            raise ValueError(f"COMPRESS_ALGORITHMS is a list of names, not {algorithms!r}.")
        unknown = [name for name in algorithms if name not in _LOADERS]
        if unknown:
            raise ValueError(
                f"COMPRESS_ALGORITHMS: unknown {', '.join(map(repr, unknown))};"
                " the algorithms are 'zstd', 'br' and 'gzip'."
            )
        self.min_size: int = min_size
        #: Every configured name (for precompressed siblings, which need no package).
        self.configured: tuple[str, ...] = tuple(dict.fromkeys(algorithms))
        #: Those this installation can compress with, in preference order.
        self.algorithms: tuple[str, ...] = tuple(
            name for name in self.configured if _codec(name) is not None
        )
        self.levels: dict[str, int] = {}
        for name in self.configured:
            value = level if isinstance(level, int) else (level or {}).get(name)
            if value is None:
                value = DEFAULT_LEVELS[name]
            low, high = _LEVEL_RANGES[name]
            if type(value) is not int or not low <= value <= high:
                raise ValueError(
                    f"COMPRESS_LEVEL for {name!r} is an integer from {low} to {high},"
                    f" not {value!r}."
                )
            self.levels[name] = value
        if isinstance(mimetypes, str):
            raise ValueError(f"COMPRESS_MIMETYPES is a list of mimetypes, not {mimetypes!r}.")
        patterns = [m.strip().lower() for m in mimetypes]
        self._exact = frozenset(m for m in patterns if not m.endswith("/*"))
        self._prefixes = tuple(m[:-1] for m in patterns if m.endswith("/*"))
        self._types: dict[str, bool] = {}
        self._choices: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def compressible(self, content_type: str | None) -> bool:
        """Whether a ``Content-Type`` is one of ``COMPRESS_MIMETYPES``."""
        if content_type is None:
            return False
        known = self._types.get(content_type)
        if known is None:
            mimetype = content_type.partition(";")[0].strip().lower()
            known = mimetype in self._exact or mimetype.startswith(self._prefixes)
            if len(self._types) < 256:
                self._types[content_type] = known
        return known

    def acceptable(self, header: str | None, offered: tuple[str, ...]) -> tuple[str, ...]:
        """The ``offered`` algorithms the ``Accept-Encoding`` value accepts,
        best first (by the client's q-values, then by ``offered``'s order)."""
        if not header or not offered:
            return ()
        key = (header, offered)
        choice = self._choices.get(key)
        if choice is None:
            choice = _negotiate(header, offered)
            if len(self._choices) < 256:
                self._choices[key] = choice
        return choice


def _negotiate(header: str, offered: tuple[str, ...]) -> tuple[str, ...]:
    qualities: dict[str, float] = {}
    for value, quality in parse_accept_header(header):
        value = value.lower()
        if value == "x-gzip":
            value = "gzip"
        qualities.setdefault(value, quality)
    star = qualities.get("*", 0.0)
    ranked = []
    for position, name in enumerate(offered):
        quality = qualities.get(name, star)
        if quality > 0:
            ranked.append((-quality, position, name))
    ranked.sort()
    identity = qualities.get("identity")
    if identity is not None:
        # The client prefers the body as it is over some (or all) codings.
        ranked = [entry for entry in ranked if -entry[0] >= identity]
    return tuple(name for _, _, name in ranked)


def _settings(app: Quart) -> _Settings:
    """The app's settings, rebuilt whenever one of the keys is reassigned."""
    config = app.config
    values = (
        config["COMPRESS_MIN_SIZE"],
        config["COMPRESS_LEVEL"],
        config["COMPRESS_MIMETYPES"],
        config["COMPRESS_ALGORITHMS"],
    )
    cached: tuple[tuple[object, ...], _Settings] | None = app.__dict__.get("_compress_settings")
    if cached is not None and all(a is b for a, b in zip(cached[0], values, strict=True)):
        return cached[1]
    settings = _Settings(*values)
    app.__dict__["_compress_settings"] = (values, settings)
    return settings


def _add_vary(headers: Headers) -> None:
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = "Accept-Encoding"
        return
    tokens = {token.strip().lower() for token in vary.split(",")}
    if "accept-encoding" not in tokens and "*" not in tokens:
        headers["Vary"] = f"{vary}, Accept-Encoding"


def _known_size(body: ResponseBody, headers: Headers) -> int | None:
    if isinstance(body, DataBody):
        return body.end - body.begin
    length = headers.get("Content-Length")
    if length is not None and length.isdigit():
        return int(length)
    return None


async def compress_response(app: Quart, request: Request | Websocket, response: T) -> T:
    """Compress ``response`` for ``request`` if ``COMPRESS_*`` say so (see the
    module's documentation); return it (the same object, changed in place).

    Called by the pipeline at the end of finalizing an HTTP request when
    ``COMPRESS_ENABLED`` is on.
    """
    if not isinstance(response, Response):
        return response  # A plain Werkzeug response.
    body: object = response.response  # the app may have set anything
    if not isinstance(body, ResponseBody) or not getattr(response, "compress", True):
        return response  # A body of another kind, or the app opted out.
    status = response.status_code
    if status < 200 or status in _NEVER_STATUSES:
        return response
    headers = response.headers
    if "Content-Encoding" in headers or "Content-Range" in headers:
        return response
    cache_control = headers.get("Cache-Control")
    if cache_control is not None and "no-transform" in cache_control.lower():
        return response
    settings = _settings(app)
    if not settings.compressible(headers.get("Content-Type")):
        return response
    size = _known_size(body, headers)
    if size is not None and size < settings.min_size:
        return response
    _add_vary(headers)
    if request.method == "HEAD":
        return response
    choice = settings.acceptable(request.headers.get("Accept-Encoding"), settings.algorithms)
    if not choice:
        return response
    name = choice[0]
    codec = _codec(name)
    assert codec is not None  # settings.algorithms lists installed ones only
    level = settings.levels[name]
    if isinstance(body, DataBody):
        data = body.data
        if body.begin or body.end != len(data):
            data = data[body.begin : body.end]
        if len(data) >= _THREAD_AT:
            compressed = await run_in_thread(codec.one_shot, data, level)
        else:
            compressed = codec.one_shot(data, level)
        if len(compressed) >= len(data):
            return response  # Incompressible: the identity body is smaller.
        body.data = compressed
        body.begin = 0
        body.end = len(compressed)
        headers["Content-Length"] = str(len(compressed))
    elif isinstance(body, _SeekableBody | ReaderBody):
        response.response = _CompressedFile(body, codec.stream(level, False))
        headers.pop("Content-Length", None)
    else:
        response.response = _CompressedStream(body, codec.stream(level, True))
        headers.pop("Content-Length", None)
    headers["Content-Encoding"] = name
    headers.pop("Accept-Ranges", None)
    _weaken_etag(headers)
    return response


def _weaken_etag(headers: Headers) -> None:
    etag = headers.get("ETag")
    if etag is not None and not etag.startswith(("W/", "w/")):
        headers["ETag"] = f"W/{etag}"


class _Compressing:
    """Compresses another body's chunks as they are read (see the subclasses)."""

    def __init__(self, inner: ResponseBody, stream: _Stream) -> None:
        self.inner = inner
        self._stream = stream
        self._chunks: Any = None
        self._done = False

    async def __aenter__(self) -> Self:
        self._chunks = aiter(await self.inner.__aenter__())
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.inner.__aexit__(exc_type, exc_value, tb)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        stream = self._stream
        while not self._done:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self._done = True
                tail = stream.finish()
                if tail:
                    return tail
                break
            if isinstance(chunk, str):
                chunk = chunk.encode()
            if not chunk:
                continue
            if len(chunk) >= _CHUNK_THREAD_AT:
                out = await run_in_thread(stream.compress, chunk)
            else:
                out = stream.compress(chunk)
            if out:
                return out
        raise StopAsyncIteration


class _CompressedStream(_Compressing, ResponseBody):
    """A streamed body, compressed and flushed chunk by chunk."""


class _CompressedFile(_Compressing, ReaderBody):
    """A file body, compressed as it is read (no per-chunk flush).

    A :class:`~quart.wrappers.response.ReaderBody` to the server, so the
    ``RESPONSE_TIMEOUT`` of files still counts from the last chunk sent.
    """


# -- precompressed siblings for send_file --------------------------------------


def _sibling(path: str, names: tuple[str, ...]) -> tuple[str, os.stat_result, str] | None:
    for name in names:
        candidate = path + _SUFFIXES[name]
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            return candidate, st, name
    return None


async def precompressed(
    app: Quart, path: str, st: os.stat_result
) -> tuple[str, os.stat_result, str | None]:
    """The file ``send_file`` should send for ``path`` in the current request:
    a precompressed sibling (``path.zst``, ``.br``, ``.gz``) the client
    accepts, with its stat and encoding; else ``path`` itself (encoding ``None``).
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        return path, st, None
    request = ctx.request
    if request.method not in ("GET", "HEAD"):
        return path, st, None
    settings = _settings(app)
    names = settings.acceptable(request.headers.get("Accept-Encoding"), settings.configured)
    if not names:
        return path, st, None
    found = await run_in_thread(_sibling, path, names)
    if found is None:
        return path, st, None
    return found
