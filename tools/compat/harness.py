"""Observation helpers for the differential check (stdlib only, imports no Quart).

Everything a case records goes through :func:`jsonable`, so the same value
renders the same way under both packages; headers go through
:func:`headers_obs`, the one place that normalises values that legitimately
vary between runs (:data:`NORMALISED_HEADERS`). :func:`record_asgi` is the
tiny ASGI harness: it calls ``await app(scope, receive, send)`` with scripted
incoming messages and records every message the application sends.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

#: What a case fills in: field name to a JSON-able value.
Obs = dict[str, Any]
#: A case: an async function that fills the observation it is given.
Case = Callable[[Obs], Awaitable[None]]

#: Header values replaced by a placeholder before comparison. Keep it short:
#: every entry hides a possible difference, so only headers whose value
#: changes from one run to the next on the *same* side belong here.
NORMALISED_HEADERS = {
    # Wall-clock time of the response.
    "date": "<date>",
    # send_file: now + max_age.
    "expires": "<expires>",
}

#: Longest rendering of one bytes/str value kept in an observation.
MAX_TEXT = 2000

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _text(value: str) -> str:
    """``value`` cut to :data:`MAX_TEXT` characters."""
    if len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"...<{len(value)} chars>"
    return value


def jsonable(value: Any) -> Any:
    """``value`` as JSON-able data that renders the same way on both sides.

    Bytes become their ``repr`` (so ``b'x'`` and ``'x'`` stay distinct),
    tuples become lists, mapping keys become strings, exceptions become
    :func:`exc_obs` and other objects their ``repr`` without memory addresses.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _text(repr(bytes(value)))
    if isinstance(value, BaseException):
        return exc_obs(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(item) for item in value), key=repr)
    return _text(_ADDRESS.sub("", repr(value)))


def exc_obs(exc: BaseException) -> dict[str, Any]:
    """The type name and ``str`` of an exception."""
    return {"raised": type(exc).__name__, "str": _text(_ADDRESS.sub("", str(exc)))}


def _decode(value: str | bytes) -> str:
    """A header name or value as text (ASGI headers are latin-1 bytes)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def headers_obs(headers: Iterable[Any]) -> list[list[str]]:
    """Headers as sorted ``[name, value]`` pairs, names lower-cased, normalised.

    Takes anything that iterates as ``(name, value)`` pairs: Werkzeug
    ``Headers``, a list of tuples, or ASGI ``[(bytes, bytes)]``.
    """
    pairs = []
    for name, value in headers:
        key = _decode(name).lower()
        pairs.append([key, NORMALISED_HEADERS.get(key, _decode(value))])
    return sorted(pairs)


def body_obs(data: bytes | str) -> Any:
    """A body: text if it decodes as UTF-8, else the ``repr`` of the bytes."""
    if isinstance(data, str):
        return {"str": _text(data)}
    try:
        return _text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {"bytes": _text(repr(data))}


def message_obs(message: Mapping[str, Any]) -> dict[str, Any]:
    """An ASGI message as JSON-able data, its headers through :func:`headers_obs`."""
    result = {}
    for key, value in message.items():
        if key == "headers" and isinstance(value, Iterable):
            result[key] = headers_obs(value)
        else:
            result[key] = jsonable(value)
    return result


async def step(
    obs: Obs, name: str, awaitable: Awaitable[Any], timeout: float = 2.0
) -> tuple[bool, Any]:
    """Await ``awaitable`` with a timeout, record how it ended as ``obs[name]``.

    Records ``"ok"``, ``"timeout"`` or the exception (:func:`exc_obs`), and
    returns ``(True, result)`` when it completed, else ``(False, None)``.
    ``CancelledError`` is recorded too (it is a result worth comparing).
    """
    try:
        result = await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        obs[name] = "timeout"
        return False, None
    except (Exception, asyncio.CancelledError) as exc:
        obs[name] = exc_obs(exc)
        return False, None
    obs[name] = "ok"
    return True, result


def http_scope(
    path: str = "/",
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    query_string: bytes = b"",
    root_path: str = "",
) -> dict[str, Any]:
    """An HTTP scope as an ASGI server (Hypercorn) would send it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": root_path,
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "extensions": {},
    }


def websocket_scope(
    path: str = "/ws",
    headers: list[tuple[bytes, bytes]] | None = None,
    subprotocols: list[str] | None = None,
    http_response: bool = True,
) -> dict[str, Any]:
    """A websocket scope; ``http_response`` offers the rejection-response extension."""
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": subprotocols or [],
        "extensions": {"websocket.http.response": {}} if http_response else {},
    }


async def record_asgi(
    app: Callable[..., Awaitable[None]],
    scope: dict[str, Any],
    incoming: Sequence[Mapping[str, Any] | float],
    timeout: float = 2.0,
) -> dict[str, Any]:
    """Run ``app`` on ``scope``; record every message it sends and how it ended.

    ``incoming`` scripts what ``receive()`` returns, in order; a number in it
    is a pause (seconds) before the next message. Once the script is used up,
    ``receive()`` waits forever (as a server does while the client is quiet).
    Returns ``{"sent": [...], "end": "returned" | "timeout" | exception}``.
    """
    sent: list[dict[str, Any]] = []
    script = list(incoming)

    async def receive() -> Any:
        while script:
            item = script.pop(0)
            if isinstance(item, int | float):
                await asyncio.sleep(item)
                continue
            return item
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(message: Any) -> None:
        sent.append(message_obs(message))

    end: Any = "returned"
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout)
    except TimeoutError:
        end = "timeout"
    except (Exception, asyncio.CancelledError) as exc:
        end = exc_obs(exc)
    return {"sent": sent, "end": end}
