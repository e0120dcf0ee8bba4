"""Property-based tests of everything a request carries in its URL and headers.

URL-encoded forms, query strings, cookies, ``Range`` / ``If-Range`` /
``If-None-Match`` and ``Accept*`` headers: any bytes give the parsed value or
the documented 4xx (never a 500), and the work done grows linearly with the
input. Work is counted, not timed: every Python line and call the request
runs, for an input repeated ``n`` and ``8n`` times.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode

from asgi_harness import _asgi_call
from asgi_harness import _make_http_scope
from asgi_harness import RawResponse
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from quart import Quart
from quart import request
from quart import Response

DATA = bytes(range(256)) * 4  # 1,024 bytes served with ranges
ETAG = "v1"

_app = Quart(__name__)


@_app.post("/form")
async def form_view() -> Any:
    return {"form": list((await request.form).items(multi=True))}


@_app.get("/args")
async def args_view() -> Any:
    return {"args": list(request.args.items(multi=True))}


@_app.get("/cookies")
async def cookies_view() -> Any:
    return {"cookies": list(request.cookies.items(multi=True))}


@_app.get("/accept")
async def accept_view() -> Any:
    return {
        "mimetype": request.accept_mimetypes.best_match(["text/html", "application/json"]),
        "language": request.accept_languages.best_match(["en", "fr-CA"]),
        "charset": request.accept_charsets.best_match(["utf-8", "latin-1"]),
        "encoding": request.accept_encodings.best_match(["gzip", "br"]),
        "quality": request.accept_mimetypes["text/html"],
    }


@_app.get("/file")
async def file_view() -> Response:
    response = Response(DATA, mimetype="application/octet-stream")
    response.set_etag(ETAG)
    return await response.make_conditional(request, accept_ranges=True, complete_length=len(DATA))


async def _get(path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> RawResponse:
    scope = _make_http_scope(path, headers=headers, query_string=query)
    return await _asgi_call(_app, scope)


async def _post_form(body: bytes | list[bytes]) -> RawResponse:
    scope = _make_http_scope(
        "/form",
        method="POST",
        headers=[(b"content-type", b"application/x-www-form-urlencoded")],
    )
    return await _asgi_call(_app, scope, body)


def _pairs(response: RawResponse, key: str) -> list[tuple[str, str]]:
    assert response.status == 200, (response.status, response.body)
    return [tuple(pair) for pair in json.loads(response.body)[key]]  # type: ignore[misc]


def _grouped(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The order ``MultiDict.items(multi=True)`` gives: grouped by name."""
    return list(MultiDict(pairs).items(multi=True))


# Header values a server hands over: any byte but CR, LF and NUL.
_HEADER_BYTES = st.binary(max_size=300).map(
    lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
)
_TEXT_PAIRS = st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=8)


# -- URL-encoded forms and query strings ------------------------------------------------


def _oracle(raw: bytes) -> list[tuple[str, str]]:
    """The documented parse, from the standard library: split like
    ``parse_qsl``, percent-decode to bytes, decode UTF-8 with replacement."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return [
        (
            name.encode("latin-1").decode("utf-8", "replace"),
            value.encode("latin-1").decode("utf-8", "replace"),
        )
        for name, value in pairs
    ]


@given(pairs=_TEXT_PAIRS, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=5))
async def test_any_urlencoded_form_round_trips(
    pairs: list[tuple[str, str]], cuts: list[int]
) -> None:
    body = urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode("ascii")
    assume(all("\ud800" > c or c > "\udfff" for name, value in pairs for c in name + value))
    points = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    chunks = [body[a:b] for a, b in zip(points, points[1:], strict=False)] or [b""]
    assert _pairs(await _post_form(chunks), "form") == _grouped(pairs)


@given(body=st.binary(max_size=300))
@example(body=b"%zz=%4&%ff%FF=\xff&+=%2B&&=&a")
async def test_any_urlencoded_body_parses_as_documented(body: bytes) -> None:
    assert _pairs(await _post_form(body), "form") == _grouped(_oracle(body))


@given(pairs=_TEXT_PAIRS)
async def test_any_query_string_round_trips(pairs: list[tuple[str, str]]) -> None:
    assume(all("\ud800" > c or c > "\udfff" for name, value in pairs for c in name + value))
    query = urlencode(pairs).encode("ascii")
    assert _pairs(await _get("/args", [], query), "args") == _grouped(pairs)


@given(query=st.binary(max_size=300))
@example(query=b"a=%ff&\xff=%zz&b=\xe2\x82")
async def test_any_query_bytes_are_served(query: bytes) -> None:
    args = _pairs(await _get("/args", [], query), "args")
    # Valid UTF-8 escapes decode; anything else stays percent-encoded (as
    # Werkzeug does it): no value holds a replacement character that was not sent.
    if query.isascii() and "%" not in query.decode():
        assert args == _grouped(_oracle(query))
    for name, value in args:
        assert isinstance(name, str) and isinstance(value, str)


# -- cookies -----------------------------------------------------------------------------

_COOKIE_NAME = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
    min_size=1,
    max_size=8,
)
# cookie-octet (RFC 6265): no controls, whitespace, DQUOTE, comma, semicolon, backslash.
_COOKIE_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters='",;\\'),
    max_size=12,
)


@given(cookies=st.lists(st.tuples(_COOKIE_NAME, _COOKIE_VALUE), max_size=6))
async def test_any_cookie_header_round_trips(cookies: list[tuple[str, str]]) -> None:
    header = "; ".join(f"{name}={value}" for name, value in cookies).encode("ascii")
    response = await _get("/cookies", [(b"cookie", header)])
    assert _pairs(response, "cookies") == _grouped(cookies)


@given(header=_HEADER_BYTES)
@example(header=b'a="\\377\\"; b=\xff; =; ;;; c')
async def test_any_cookie_bytes_are_served(header: bytes) -> None:
    for name, value in _pairs(await _get("/cookies", [(b"cookie", header)]), "cookies"):
        assert isinstance(name, str) and isinstance(value, str)


# -- Range, If-Range, If-None-Match ------------------------------------------------------

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def _check_file_response(response: RawResponse) -> None:
    assert response.status in {200, 206, 304, 416}, (response.status, response.body)
    if response.status == 200:
        assert response.body == DATA
    elif response.status == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers["content-range"])
        assert match is not None
        first, last, length = map(int, match.groups())
        assert length == len(DATA) and first <= last < length
        assert response.body == DATA[first : last + 1]
    elif response.status == 416:
        assert response.headers.get("content-range") in {None, f"bytes */{len(DATA)}"}


_RANGE_PIECES = st.lists(
    st.sampled_from(
        ["bytes=", "0", "1", "99", "-", ",", " ", "=", "1023", "1024", "x", "99999999999999999999"]
    ),
    max_size=10,
).map("".join)


@given(header=_HEADER_BYTES | _RANGE_PIECES.map(str.encode))
@example(header=b"bytes=0-0,1-1")
@example(header=b"bytes=-0")
async def test_any_range_header_gives_200_206_or_416(header: bytes) -> None:
    _check_file_response(await _get("/file", [(b"range", header)]))


@given(
    first=st.integers(min_value=0, max_value=2_000), size=st.integers(min_value=0, max_value=2_000)
)
async def test_a_single_satisfiable_range_is_served_exactly(first: int, size: int) -> None:
    last = first + size
    response = await _get("/file", [(b"range", f"bytes={first}-{last}".encode())])
    if first < len(DATA):
        assert response.status == 206
        assert response.body == DATA[first : min(last, len(DATA) - 1) + 1]
    else:
        assert response.status == 416


@given(if_range=_HEADER_BYTES | st.sampled_from([b'"v1"', b'W/"v1"', b'"v2"']))
async def test_any_if_range_gives_the_range_only_for_the_strong_etag(if_range: bytes) -> None:
    response = await _get("/file", [(b"range", b"bytes=0-9"), (b"if-range", if_range)])
    _check_file_response(response)
    if response.status == 206:
        assert if_range.strip() == b'"v1"'


_ETAG_LISTS = st.lists(
    st.sampled_from(['"v1"', 'W/"v1"', '"v2"', '"v1', "v1", "*", '"v1,v2"', '""']), max_size=5
).map(", ".join)


@given(header=_HEADER_BYTES | _ETAG_LISTS.map(str.encode))
@example(header=b'"v2", W/"v1"')
async def test_any_if_none_match_gives_200_or_304(header: bytes) -> None:
    response = await _get("/file", [(b"if-none-match", header)])
    _check_file_response(response)
    assert response.status in {200, 304}
    if response.status == 304:
        # Werkzeug also takes an unquoted tag (``v1``), as Flask and Quart do.
        assert b"v1" in header or b"*" in header


# -- Accept headers ----------------------------------------------------------------------

_ACCEPT_PIECES = st.lists(
    st.sampled_from(
        [
            "text/html",
            "*/*",
            "application/json",
            "en",
            "fr-CA",
            "gzip",
            "utf-8",
            ";q=",
            "0.5",
            "1",
            "0",
            ",",
            ";",
            " ",
            "=",
            '"',
            "*",
            "x/y;a=b",
            "q=2",
            "-1",
            "nan",
            "1e400",
        ]
    ),
    max_size=12,
).map("".join)


@given(header=_HEADER_BYTES | _ACCEPT_PIECES.map(str.encode))
@example(header=b"text/html;q=nan, */*;q=1e400")
async def test_any_accept_headers_are_served(header: bytes) -> None:
    headers = [
        (name, header)
        for name in (b"accept", b"accept-language", b"accept-charset", b"accept-encoding")
    ]
    response = await _get("/accept", headers)
    assert response.status == 200, response.body
    chosen = json.loads(response.body)
    assert chosen["mimetype"] in {None, "text/html", "application/json"}
    assert chosen["language"] in {None, "en", "fr-CA"}
    assert 0 <= chosen["quality"] <= 1


# -- linear cost -------------------------------------------------------------------------


async def _work(call: Callable[[], Awaitable[RawResponse]]) -> tuple[int, RawResponse]:
    """How many Python lines and calls (Python and C) ``call`` runs."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return trace

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event == "c_call":
            count += 1

    old_trace, old_profile = sys.gettrace(), sys.getprofile()
    sys.settrace(trace)
    sys.setprofile(profile)
    try:
        response = await call()
    finally:
        sys.settrace(old_trace)
        sys.setprofile(old_profile)
    return count, response


# Each input is a generated unit repeated: SMALL times, then 8 * SMALL times.
SMALL = 200
# Linear work grows 8 times (less, with the fixed cost of a request); allow 3x on top.
MAX_RATIO = 8 * 3


async def _assert_linear(
    make: Callable[[int], Callable[[], Awaitable[RawResponse]]], n: int = SMALL
) -> None:
    await make(n)()  # warm up: caches, first-use imports
    small, small_response = await _work(make(n))
    large, large_response = await _work(make(8 * n))
    assert small_response.status < 500 and large_response.status < 500
    assert large < small * MAX_RATIO, (small, large, large / small)


_FORM_UNITS = st.lists(
    st.sampled_from([b"a=b", b"&", b"%41", b"%zz", b"%", b"+", b"=", b"\xff", b"%e2%82%ac", b"&&"]),
    min_size=1,
    max_size=8,
).map(b"".join)
_FEW = settings(max_examples=12)


@_FEW
@given(unit=_FORM_UNITS)
async def test_urlencoded_form_costs_linear_work(unit: bytes) -> None:
    await _assert_linear(lambda n: lambda: _post_form(unit * n))


@_FEW
@given(unit=_FORM_UNITS)
async def test_query_string_costs_linear_work(unit: bytes) -> None:
    await _assert_linear(lambda n: lambda: _get("/args", [], unit * n))


@_FEW
@given(
    unit=st.lists(
        st.sampled_from([b"a=b", b"; ", b";", b'"', b"\\", b"=", b"\\377", b" ", b"\xff", b"x"]),
        min_size=1,
        max_size=8,
    ).map(b"".join)
)
async def test_cookie_header_costs_linear_work(unit: bytes) -> None:
    await _assert_linear(lambda n: lambda: _get("/cookies", [(b"cookie", unit * n)]))


@_FEW
@given(
    unit=st.lists(
        st.sampled_from([b"0-1", b",", b"-5", b"7-", b" ", b"99999999999", b"x", b"="]),
        min_size=1,
        max_size=6,
    ).map(b"".join)
)
async def test_range_header_costs_linear_work(unit: bytes) -> None:
    await _assert_linear(lambda n: lambda: _get("/file", [(b"range", b"bytes=" + unit * n)]))


@_FEW
@given(unit=_ETAG_LISTS.map(lambda text: text.encode() + b", "))
async def test_if_none_match_costs_linear_work(unit: bytes) -> None:
    assume(unit != b", ")
    await _assert_linear(lambda n: lambda: _get("/file", [(b"if-none-match", unit * n)]))


@settings(max_examples=6)
@given(unit=_ACCEPT_PIECES.map(lambda text: text.encode() + b","))
async def test_accept_headers_cost_linear_work(unit: bytes) -> None:
    await _assert_linear(
        lambda n: (
            lambda: _get(
                "/accept",
                [
                    (name, unit * n)
                    for name in (
                        b"accept",
                        b"accept-language",
                        b"accept-charset",
                        b"accept-encoding",
                    )
                ],
            )
        )
    )


def test_the_work_counter_sees_quadratic_work() -> None:
    # The yardstick itself: a quadratic loop fails the bound, a linear one passes.
    import asyncio

    def quadratic(n: int) -> Callable[[], Awaitable[RawResponse]]:
        async def run() -> RawResponse:
            for i in range(n):
                for _ in range(i):
                    pass
            return RawResponse([{"type": "http.response.start", "status": 200, "headers": []}])

        return run

    async def measure() -> tuple[int, int]:
        small, _ = await _work(quadratic(SMALL))
        large, _ = await _work(quadratic(8 * SMALL))
        return small, large

    small, large = asyncio.run(measure())
    assert large >= small * MAX_RATIO
