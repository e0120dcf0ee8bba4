"""Property-based tests of multipart bodies through the real ASGI path.

Any set of fields and files, encoded and fed to the app in any chunk split,
parses back exactly; a truncated or corrupted body is a 400 (or, for a
corruption that still happens to be valid multipart, a 200), never anything
else; every uploaded file's stream is closed when the request ends.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from asgi_harness import _asgi_call
from asgi_harness import _make_http_scope
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from quart import Quart
from quart import request

# Characters a client can put in a quoted Content-Disposition parameter
# without escaping (no quote, backslash, CR, LF or other control characters).
_NAME_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'),
    min_size=1,
    max_size=12,
)
_BCHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?"
_BOUNDARY = st.builds(
    lambda head, tail: head + tail,
    st.text(st.sampled_from(_BCHARS + " "), max_size=20),
    st.text(st.sampled_from(_BCHARS), min_size=1, max_size=3),
)
# Content that likes the bytes delimiters are made of.
_CONTENT = st.binary(max_size=64) | st.lists(
    st.sampled_from([b"\r", b"\n", b"\r\n", b"-", b"--", b" ", b"x", b"\xff", b"\r\n--"]),
    max_size=16,
).map(b"".join)


@dataclass(frozen=True)
class Part:
    name: str
    content: bytes
    filename: str | None = None
    content_type: str | None = None


_FIELD = st.builds(
    Part,
    name=_NAME_TEXT,
    content=st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
_FILE = st.builds(
    Part,
    name=_NAME_TEXT,
    content=_CONTENT,
    filename=_NAME_TEXT,
    content_type=st.none() | st.sampled_from(["application/octet-stream", "text/plain"]),
)
_PARTS = st.lists(_FIELD | _FILE, max_size=6)


def _quote(text: str) -> bytes:
    return b'"' + text.encode("utf-8") + b'"'


def encode(parts: list[Part], boundary: str) -> bytes:
    """A multipart/form-data body as a browser sends it."""
    marker = b"--" + boundary.encode("ascii")
    out = bytearray()
    for part in parts:
        out += marker + b"\r\n"
        out += b"Content-Disposition: form-data; name=" + _quote(part.name)
        if part.filename is not None:
            out += b"; filename=" + _quote(part.filename)
        out += b"\r\n"
        if part.content_type is not None:
            out += b"Content-Type: " + part.content_type.encode("ascii") + b"\r\n"
        out += b"\r\n" + part.content + b"\r\n"
    out += marker + b"--\r\n"
    return bytes(out)


def _usable(parts: list[Part], boundary: str) -> bool:
    # A client picks a boundary that does not occur in the content.
    marker = b"--" + boundary.encode("ascii")
    return all(marker not in part.content for part in parts)


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    return [body[start:end] for start, end in zip(points, points[1:], strict=False)] or [b""]


_SPLITS = st.one_of(
    st.just("bytes"),  # one byte per chunk
    st.just("whole"),
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)


def _chunks(body: bytes, how: str | list[int]) -> list[bytes]:
    if how == "bytes":
        return [body[i : i + 1] for i in range(len(body))] or [b""]
    if how == "whole":
        return [body]
    assert isinstance(how, list)
    return split(body, how)


_streams: list[Any] = []
_app = Quart(__name__)


@_app.post("/upload")
async def upload() -> dict[str, Any]:
    form = await request.form
    files = await request.files
    _streams.extend(storage.stream for storage in files.values())
    return {
        "fields": [[name, value] for name, value in form.items(multi=True)],
        "files": [
            [name, storage.filename, storage.content_type, storage.read().hex()]
            for name, storage in files.items(multi=True)
        ],
    }


async def _post(body: bytes | list[bytes], boundary: str) -> Any:
    _streams.clear()
    scope = _make_http_scope(
        "/upload",
        method="POST",
        headers=[(b"content-type", f'multipart/form-data; boundary="{boundary}"'.encode())],
    )
    response = await _asgi_call(_app, scope, body)
    assert all(stream.closed for stream in _streams), "an uploaded file was left open"
    return response


def _expected(parts: list[Part]) -> dict[str, Any]:
    # MultiDict.items(multi=True) groups the values of one name together, in
    # the order the names first appear.
    fields = MultiDict([(p.name, p.content.decode("utf-8")) for p in parts if p.filename is None])
    files = MultiDict(
        [(p.name, [p.filename, p.content_type, p.content.hex()]) for p in parts if p.filename]
    )
    return {
        "fields": [[name, value] for name, value in fields.items(multi=True)],
        "files": [[name, *value] for name, value in files.items(multi=True)],
    }


@given(parts=_PARTS, boundary=_BOUNDARY, how=_SPLITS)
@example(parts=[Part("a", b"x\r")], boundary="b", how="bytes")
@example(parts=[Part("f", b"\r\n-", "f.bin")], boundary="--", how="bytes")
async def test_any_form_parses_back_exactly_in_any_chunk_split(
    parts: list[Part], boundary: str, how: str | list[int]
) -> None:
    assume(_usable(parts, boundary))
    body = encode(parts, boundary)
    response = await _post(_chunks(body, how), boundary)
    assert response.status == 200, response.body
    assert _json(response.body) == _expected(parts)


def _json(body: bytes) -> Any:
    return json.loads(body)


@given(parts=_PARTS, boundary=_BOUNDARY, data=st.data())
async def test_truncated_body_is_400(parts: list[Part], boundary: str, data: Any) -> None:
    assume(_usable(parts, boundary))
    body = encode(parts, boundary)
    closing = body.rindex(b"--" + boundary.encode("ascii") + b"--")
    # Anywhere before the closing delimiter is complete (an empty body is
    # the one cut that parses: to empty forms).
    cut = data.draw(st.integers(min_value=1, max_value=closing + len(boundary) + 3))
    how = data.draw(_SPLITS)
    response = await _post(_chunks(body[:cut], how), boundary)
    assert response.status == 400, (body[:cut], response.status, response.body)


_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete"]),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(b'\r\n-\x00 x\xff"=;:'),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(body: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(body)
    for kind, where, byte in mutations:
        index = where % (len(out) + 1)
        if kind == "insert":
            out[index:index] = bytes([byte])
        elif index < len(out):
            if kind == "flip":
                out[index] = byte
            else:
                del out[index]
    return bytes(out)


@given(parts=_PARTS, boundary=_BOUNDARY, mutations=_MUTATIONS, how=_SPLITS)
async def test_corrupted_body_is_400_or_parsed(
    parts: list[Part], boundary: str, mutations: list[tuple[str, int, int]], how: Any
) -> None:
    assume(_usable(parts, boundary))
    body = _mutate(encode(parts, boundary), mutations)
    response = await _post(_chunks(body, how), boundary)
    assert response.status in {200, 400}, (body, response.status, response.body)


@given(how=_SPLITS, cut=st.integers(min_value=1, max_value=700_000))
async def test_large_upload_spooled_to_disk_is_closed_on_success_and_on_error(
    how: Any, cut: int
) -> None:
    # Past 500 KiB the default stream factory spools to a real temporary
    # file; it is closed (and so gone) whether the parse succeeds or fails.
    parts = [Part("big", b"\x00\r\n" * 200_000, "big.bin"), Part("after", b"tail")]
    body = encode(parts, "xyzzy")
    if how == "bytes":
        how = "whole"  # 600,000 one-byte chunks would only be slow
    good = await _post(_chunks(body, how), "xyzzy")
    assert good.status == 200
    assert _json(good.body) == _expected(parts)
    bad = await _post(_chunks(body[: min(cut, len(body) - 20)], how), "xyzzy")
    assert bad.status == 400


async def test_sanity_event_loop_is_free() -> None:
    # The module's app is shared by every example: nothing may be left on it.
    await asyncio.sleep(0)
    assert not _streams or all(stream.closed for stream in _streams)
