from __future__ import annotations

import io
import random
import threading
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from typing import IO

import pytest
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import RequestTimeout
from werkzeug.sansio.multipart import Data
from werkzeug.sansio.multipart import Epilogue
from werkzeug.sansio.multipart import Field
from werkzeug.sansio.multipart import File
from werkzeug.sansio.multipart import MultipartEncoder
from werkzeug.sansio.multipart import Preamble

from quart.datastructures import FileStorage
from quart.formparser import FormDataParser
from quart.formparser import MultiPartParser

BOUNDARY = b"----QuartTestBoundary7MA4YWxkTrZu0gW"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

Part = tuple[list[tuple[str, str]], bytes]


async def chunked(data: bytes, size: int | None = None) -> AsyncGenerator[bytes, None]:
    if size is None:
        yield data
        return
    for index in range(0, len(data), size):
        yield data[index : index + size]


async def pieces(chunks: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    for chunk in chunks:
        yield chunk


class UnreadBody:
    """A body that fails the test if anything tries to read it."""

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise AssertionError("the body must not be read")


async def failing_body(data: bytes, error: Exception) -> AsyncGenerator[bytes, None]:
    yield data
    raise error


def field(name: str, value: bytes | str, content_type: str | None = None) -> Part:
    headers = [("Content-Disposition", f'form-data; name="{name}"')]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    return headers, value.encode() if isinstance(value, str) else value


def upload(name: str, filename: str, content: bytes, content_type: str = "text/plain") -> Part:
    headers = [
        ("Content-Disposition", f'form-data; name="{name}"; filename="{filename}"'),
        ("Content-Type", content_type),
    ]
    return headers, content


def multipart(
    parts: list[Part],
    boundary: bytes = BOUNDARY,
    preamble: bytes = b"",
    epilogue: bytes = b"",
) -> bytes:
    out = [preamble]
    for headers, content in parts:
        out.append(b"--" + boundary + b"\r\n")
        out.extend(f"{name}: {value}\r\n".encode() for name, value in headers)
        out.append(b"\r\n" + content + b"\r\n")
    out.append(b"--" + boundary + b"--\r\n" + epilogue)
    return b"".join(out)


async def parse_multipart(
    data: bytes,
    chunk_size: int | None = None,
    boundary: bytes = BOUNDARY,
    **kwargs: Any,
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    parser = FormDataParser(**kwargs)
    return await parser.parse(
        chunked(data, chunk_size), MULTIPART, len(data), {"boundary": boundary.decode()}
    )


async def parse_urlencoded(
    data: bytes, chunk_size: int | None = None, **kwargs: Any
) -> MultiDict[str, str]:
    form, files = await FormDataParser(**kwargs).parse(chunked(data, chunk_size), URLENCODED, None)
    assert not files
    return form


def summary(
    result: tuple[MultiDict[str, str], MultiDict[str, FileStorage]],
) -> tuple[list[tuple[str, str]], list[tuple[str, str | None, str | None, bytes]]]:
    form, files = result
    file_items = []
    for name, storage in files.items(multi=True):
        file_items.append((name, storage.filename, storage.content_type, storage.read()))
        storage.close()
    return list(form.items(multi=True)), file_items


class TrackingFactory:
    """A stream factory recording its calls and the streams it made."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, str | None, str | None, int | None]] = []
        self.streams: list[io.BytesIO] = []

    def __call__(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None,
        content_length: int | None,
    ) -> IO[bytes]:
        self.calls.append((total_content_length, content_type, filename, content_length))
        stream = io.BytesIO()
        self.streams.append(stream)
        return stream


# application/x-www-form-urlencoded


async def test_urlencoded_basic() -> None:
    form = await parse_urlencoded(b"a=1&b=two+words&c=%C3%A9t%C3%A9&d=a%26b%3Dc")
    assert form.to_dict() == {"a": "1", "b": "two words", "c": "été", "d": "a&b=c"}


async def test_urlencoded_repeated_keys() -> None:
    form = await parse_urlencoded(b"tag=x&tag=y&other=1&tag=z")
    assert form.getlist("tag") == ["x", "y", "z"]
    assert form["other"] == "1"


async def test_urlencoded_blank_values() -> None:
    form = await parse_urlencoded(b"a=&b&&c=3&=d&")
    assert list(form.items(multi=True)) == [("a", ""), ("b", ""), ("c", "3"), ("", "d")]


async def test_urlencoded_empty_body() -> None:
    assert not await parse_urlencoded(b"")


async def test_urlencoded_bad_percent_encoding() -> None:
    form = await parse_urlencoded(b"a=%zz&b=%ff&c=%&d=%4&e=%C3%28&%ff=k")
    assert form["a"] == "%zz"
    assert form["b"] == "\ufffd"
    assert form["c"] == "%"
    assert form["d"] == "%4"
    assert form["e"] == "\ufffd("
    assert form["\ufffd"] == "k"


async def test_urlencoded_raw_non_ascii_bytes() -> None:
    form = await parse_urlencoded(b"a=\xff\xfe&b=caf\xc3\xa9&\xff=1")
    assert form["a"] == "\ufffd\ufffd"
    assert form["b"] == "café"
    assert form["\ufffd"] == "1"


async def test_urlencoded_escape_split_across_chunks() -> None:
    form = await parse_urlencoded(b"name=%C3%A9l%C3%A8ve&x=1", chunk_size=1)
    assert form.to_dict() == {"name": "élève", "x": "1"}


async def test_urlencoded_over_memory_limit_while_reading() -> None:
    with pytest.raises(RequestEntityTooLarge):
        await parse_urlencoded(b"a=" + b"x" * 200, chunk_size=10, max_form_memory_size=100)


async def test_urlencoded_stops_reading_once_over_memory_limit() -> None:
    read = 0

    async def endless() -> AsyncGenerator[bytes, None]:
        nonlocal read
        while True:
            read += 1
            yield b"a=" + b"x" * 98

    parser = FormDataParser(max_form_memory_size=1000)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(endless(), URLENCODED, None)
    assert read == 11


async def test_urlencoded_declared_length_over_memory_limit() -> None:
    parser = FormDataParser(max_form_memory_size=100)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(UnreadBody(), URLENCODED, 101)


async def test_urlencoded_at_memory_limit() -> None:
    data = b"a=" + b"x" * 98
    form = await parse_urlencoded(data, chunk_size=7, max_form_memory_size=100)
    assert form["a"] == "x" * 98


async def test_urlencoded_ignores_max_form_parts() -> None:
    data = b"&".join(b"k%d=v" % index for index in range(50))
    form = await parse_urlencoded(data, max_form_parts=2)
    assert len(form) == 50


async def test_urlencoded_legacy_mimetype_and_case() -> None:
    parser = FormDataParser()
    form, _ = await parser.parse(chunked(b"a=1"), "application/x-url-encoded", None)
    assert form["a"] == "1"
    form, _ = await parser.parse(chunked(b"a=2"), "Application/X-WWW-Form-URLEncoded", None)
    assert form["a"] == "2"


async def test_urlencoded_max_content_length() -> None:
    parser = FormDataParser(max_content_length=10)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(UnreadBody(), URLENCODED, 11)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(chunked(b"a=12345678901", 3), URLENCODED, None)


async def test_unknown_mimetype_does_not_read_body() -> None:
    parser = FormDataParser()
    form, files = await parser.parse(UnreadBody(), "application/json", 10)
    assert isinstance(form, MultiDict)
    assert not form
    assert not files


async def test_body_errors_propagate() -> None:
    parser = FormDataParser()
    with pytest.raises(RequestTimeout):
        await parser.parse(failing_body(b"a=1", RequestTimeout()), URLENCODED, None)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(
            failing_body(b"--x\r\n", RequestEntityTooLarge()), MULTIPART, None, {"boundary": "x"}
        )


# multipart/form-data


async def test_multipart_fields_and_files(tmp_path: Path) -> None:
    data = multipart(
        [
            field("title", "hello"),
            field("tag", "a"),
            upload("doc", "notes.txt", b"line 1\r\nline 2\n"),
            field("tag", "b"),
            upload("image", "pixel.png", b"\x89PNG\r\n\x1a\n\x00\xff", "image/png"),
        ]
    )
    form, files = await parse_multipart(data)
    assert list(form.items(multi=True)) == [("title", "hello"), ("tag", "a"), ("tag", "b")]
    assert list(files.keys()) == ["doc", "image"]

    doc = files["doc"]
    assert isinstance(doc, FileStorage)
    assert doc.name == "doc"
    assert doc.filename == "notes.txt"
    assert doc.content_type == "text/plain"
    assert doc.mimetype == "text/plain"
    assert doc.read() == b"line 1\r\nline 2\n"

    image = files["image"]
    assert image.filename == "pixel.png"
    assert image.content_type == "image/png"
    assert image.headers["Content-Disposition"].startswith("form-data")
    await image.save(tmp_path / "pixel.png")
    assert (tmp_path / "pixel.png").read_bytes() == b"\x89PNG\r\n\x1a\n\x00\xff"
    doc.close()
    image.close()


async def test_multipart_encoder_body() -> None:
    encoder = MultipartEncoder(BOUNDARY)
    data = encoder.send_event(Preamble(data=b""))
    data += encoder.send_event(Field(name="a", headers=Headers()))
    data += encoder.send_event(Data(data=b"first", more_data=False))
    data += encoder.send_event(
        File(name="f", filename="f.bin", headers=Headers({"Content-Type": "application/x-y"}))
    )
    data += encoder.send_event(Data(data=b"\x00\r\n\x01", more_data=False))
    data += encoder.send_event(Epilogue(data=b""))
    assert summary(await parse_multipart(data, chunk_size=3)) == (
        [("a", "first")],
        [("f", "f.bin", "application/x-y", b"\x00\r\n\x01")],
    )


async def test_multipart_crlf_split_across_chunks() -> None:
    data = multipart(
        [
            field("a", "x\r\ny\r"),
            field("empty", ""),
            upload("f", "f.txt", b"\r\n\r\n--\r\n-"),
            field("b", "\n"),
        ]
    )
    expected = (
        [("a", "x\r\ny\r"), ("empty", ""), ("b", "\n")],
        [("f", "f.txt", "text/plain", b"\r\n\r\n--\r\n-")],
    )
    assert summary(await parse_multipart(data)) == expected
    assert summary(await parse_multipart(data, chunk_size=1)) == expected
    for split in range(1, len(data)):
        result = await FormDataParser().parse(
            pieces([data[:split], data[split:]]),
            MULTIPART,
            len(data),
            {"boundary": BOUNDARY.decode()},
        )
        assert summary(result) == expected, split


@pytest.mark.parametrize("padding", [b"", b" ", b" \t "])
async def test_multipart_split_right_after_boundary(padding: bytes) -> None:
    # Werkzeug's decoder alone puts a stray CR into the part data when a
    # chunk ends one byte after "--boundary" in a delimiter.
    content = b"content"
    data = (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="f"; filename="f.txt"\r\n\r\n'
        + content
        + b"\r\n--"
        + BOUNDARY
        + padding
        + b"\r\n"
        + b'Content-Disposition: form-data; name="a"\r\n\r\nv\r\n--'
        + BOUNDARY
        + b"--\r\n"
    )
    expected = ([("a", "v")], [("f", "f.txt", None, content)])
    first = data.index(b"\r\n--" + BOUNDARY) + len(BOUNDARY) + 4
    last = data.rindex(b"\r\n--" + BOUNDARY) + len(BOUNDARY) + 4
    for split in (first + 1, first + 2, last + 1):
        result = await FormDataParser().parse(
            pieces([data[:split], data[split:]]),
            MULTIPART,
            None,
            {"boundary": BOUNDARY.decode()},
        )
        assert summary(result) == expected, split


async def test_multipart_random_chunking_matches_single_chunk() -> None:
    rng = random.Random(1234)
    data = multipart(
        [
            field("a", "\r\n".join(["--", "-", "", "--" + BOUNDARY.decode()[:-1]])),
            upload("f", "f.bin", bytes(rng.randrange(256) for _ in range(3000)), "x/y"),
            upload("g", "g.txt", (b"\r\n" * 40) + b"--" + BOUNDARY[:5]),
            field("b", "café"),
        ],
        preamble=b"ignored\r\n",
        epilogue=b"also ignored",
    )
    expected = summary(await parse_multipart(data))
    assert expected[0][1] == ("b", "café")
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randrange(1, 40)))
        bounds = zip([0, *cuts], [*cuts, len(data)], strict=True)
        chunks = [data[start:end] for start, end in bounds]
        result = await FormDataParser().parse(
            pieces(chunks), MULTIPART, None, {"boundary": BOUNDARY.decode()}
        )
        assert summary(result) == expected


async def test_multipart_large_preamble() -> None:
    preamble = (b"x" * 1023 + b"\n") * 1024
    data = multipart([field("a", "1"), upload("f", "f", b"data")], preamble=preamble)
    assert len(data) > 1_000_000
    for chunk_size in (None, 65536, 1000):
        assert summary(await parse_multipart(data, chunk_size)) == (
            [("a", "1")],
            [("f", "f", "text/plain", b"data")],
        )


async def test_multipart_large_file_in_small_chunks() -> None:
    content = bytes(range(256)) * 4096  # 1 MiB, spooled to disk
    data = multipart([upload("f", "big.bin", content), field("a", "b")])
    form, files = await parse_multipart(data, chunk_size=997)
    assert form["a"] == "b"
    assert files["f"].read() == content
    files["f"].close()


async def test_multipart_file_larger_than_memory_limit() -> None:
    content = b"0123456789" * 10_000
    data = multipart([upload("f", "f.txt", content), field("a", "small")])
    form, files = await parse_multipart(data, chunk_size=65536, max_form_memory_size=1000)
    assert form["a"] == "small"
    assert files["f"].read() == content
    files["f"].close()


async def test_multipart_field_over_memory_limit() -> None:
    data = multipart([field("a", "x" * 1001)])
    with pytest.raises(RequestEntityTooLarge):
        await parse_multipart(data, max_form_memory_size=1000)
    # The limit holds across chunks, each smaller than the limit.
    with pytest.raises(RequestEntityTooLarge):
        await parse_multipart(data, chunk_size=100, max_form_memory_size=1000)


async def test_multipart_field_at_memory_limit() -> None:
    data = multipart([field("a", "x" * 1000), field("b", "y" * 1000)])
    form, _ = await parse_multipart(data, chunk_size=64, max_form_memory_size=1000)
    assert form["a"] == "x" * 1000
    assert form["b"] == "y" * 1000


async def test_multipart_headers_over_memory_limit() -> None:
    headers = [
        ("Content-Disposition", 'form-data; name="a"'),
        ("X-Padding", "p" * 2000),
    ]
    data = multipart([(headers, b"v")])
    with pytest.raises(RequestEntityTooLarge):
        await parse_multipart(data, chunk_size=100, max_form_memory_size=1000)


async def test_multipart_too_many_parts() -> None:
    data = multipart([field("a", "1"), field("b", "2"), upload("c", "c.txt", b"3")])
    form, files = await parse_multipart(data, max_form_parts=3)
    assert len(form) == 2
    files["c"].close()
    with pytest.raises(RequestEntityTooLarge):
        await parse_multipart(data, max_form_parts=2)


async def test_multipart_max_content_length() -> None:
    data = multipart([field("a", "1")])
    with pytest.raises(RequestEntityTooLarge):
        await FormDataParser(max_content_length=10).parse(
            UnreadBody(), MULTIPART, len(data), {"boundary": BOUNDARY.decode()}
        )
    with pytest.raises(RequestEntityTooLarge):
        await FormDataParser(max_content_length=10).parse(
            chunked(data, 4), MULTIPART, None, {"boundary": BOUNDARY.decode()}
        )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"boundary": ""},
        {"boundary": "a" * 71},
        {"boundary": "ends with space "},
        {"boundary": "semi;colon"},
        {"boundary": 'quote"d'},
        {"boundary": "caf\u00e9"},
        {"boundary": "new\nline"},
    ],
)
async def test_multipart_missing_or_invalid_boundary(options: dict[str, str]) -> None:
    with pytest.raises(BadRequest) as info:
        await FormDataParser().parse(UnreadBody(), MULTIPART, None, options)
    assert info.value.code == 400


@pytest.mark.parametrize("boundary", [b"a", b"b" * 70, b"with space'()+_,-./:=?x", b"0"])
async def test_multipart_valid_boundaries(boundary: bytes) -> None:
    data = multipart([field("a", "1")], boundary=boundary)
    form, _ = await parse_multipart(data, chunk_size=5, boundary=boundary)
    assert form["a"] == "1"


async def test_multipart_parser_rejects_invalid_boundary() -> None:
    with pytest.raises(BadRequest):
        await MultiPartParser().parse(UnreadBody(), b"", None)


@pytest.mark.parametrize(
    "data",
    [
        multipart([field("a", "1")])[:-4],
        multipart([field("a", "1")])[:-10],
        multipart([field("a", "1"), field("b", "2")])[:60],
        multipart([upload("f", "f.txt", b"x" * 5000)])[:3000],
        b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data",
        b"no boundary in here at all",
        b"--" + BOUNDARY,
    ],
)
async def test_multipart_truncated_body(data: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        await parse_multipart(data, chunk_size=7)
    assert info.value.code == 400


async def test_multipart_empty_body() -> None:
    form, files = await parse_multipart(b"")
    assert not form
    assert not files


async def test_multipart_only_closing_delimiter() -> None:
    form, files = await parse_multipart(b"--" + BOUNDARY + b"--\r\n")
    assert not form
    assert not files


@pytest.mark.parametrize(
    "data",
    [
        b"--" + BOUNDARY + b"\r\nX-Other: 1\r\n\r\nvalue\r\n--" + BOUNDARY + b"--\r\n",
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nv\r\n--'
        b"" + BOUNDARY + b"--\r\n",
    ],
)
async def test_multipart_malformed_headers(data: bytes) -> None:
    with pytest.raises(BadRequest):
        await parse_multipart(data)


async def test_multipart_part_without_name_is_skipped() -> None:
    nameless_field = ([("Content-Disposition", "form-data")], b"lost")
    nameless_file = ([("Content-Disposition", 'form-data; filename="lost.txt"')], b"gone")
    data = multipart([nameless_field, field("a", "1"), nameless_file, upload("f", "f", b"ok")])
    factory = TrackingFactory()
    form, files = await parse_multipart(data, chunk_size=9, stream_factory=factory)
    assert list(form.items(multi=True)) == [("a", "1")]
    assert list(files.keys()) == ["f"]
    assert files["f"].read() == b"ok"
    assert len(factory.streams) == 1


async def test_multipart_empty_filename_is_kept() -> None:
    data = multipart([upload("f", "", b"", "application/octet-stream")])
    _, files = await parse_multipart(data)
    assert files["f"].filename == ""
    assert not files["f"]
    assert files["f"].read() == b""
    files["f"].close()


async def test_multipart_unicode_values() -> None:
    data = multipart(
        [
            field("ünï", "cødé ✓ 日本語"),
            field("latin", "caf\u00e9".encode("latin-1"), "text/plain; charset=ISO-8859-1"),
            field("odd", "caf\u00e9".encode(), "text/plain; charset=rot13"),
            field("broken", b"ok\xff\xfe"),
            upload("f", "résumé.txt", "données".encode()),
        ]
    )
    form, files = await parse_multipart(data, chunk_size=2)
    assert form["ünï"] == "cødé ✓ 日本語"
    assert form["latin"] == "café"
    assert form["odd"] == "café"
    assert form["broken"] == "ok\ufffd\ufffd"
    assert files["f"].filename == "résumé.txt"
    assert files["f"].read().decode() == "données"
    files["f"].close()


async def test_multipart_epilogue_is_ignored() -> None:
    data = multipart([field("a", "1")], epilogue=b"--" + BOUNDARY + b"\r\ngarbage" * 1000)
    form, _ = await parse_multipart(data, chunk_size=100, max_form_memory_size=500)
    assert form.to_dict() == {"a": "1"}


async def test_multipart_lf_line_breaks() -> None:
    data = (
        b"--"
        + BOUNDARY
        + b'\nContent-Disposition: form-data; name="a"\n\nv\n--'
        + BOUNDARY
        + b"--\n"
    )
    for chunk_size in (None, 1):
        form, _ = await parse_multipart(data, chunk_size)
        assert form["a"] == "v"


async def test_failed_parse_closes_file_streams() -> None:
    good = [upload("f1", "a.txt", b"a" * 100), upload("f2", "b.txt", b"b" * 100)]

    truncated = multipart(good)[:-6]
    too_many = multipart([*good, field("x", "1")])
    big_field = multipart([*good, field("x", "y" * 500)])

    cases: list[tuple[bytes, type[Exception], dict[str, Any]]] = [
        (truncated, BadRequest, {}),
        (too_many, RequestEntityTooLarge, {"max_form_parts": 2}),
        (big_field, RequestEntityTooLarge, {"max_form_memory_size": 300}),
    ]
    for data, error, kwargs in cases:
        factory = TrackingFactory()
        with pytest.raises(error):
            await parse_multipart(data, chunk_size=50, stream_factory=factory, **kwargs)
        assert len(factory.streams) == 2
        assert all(stream.closed for stream in factory.streams)


async def test_body_error_closes_file_streams() -> None:
    data = multipart([upload("f", "a.txt", b"a" * 100), field("x", "1")])
    factory = TrackingFactory()
    with pytest.raises(RequestTimeout):
        await FormDataParser(stream_factory=factory).parse(
            failing_body(data[:-20], RequestTimeout()),
            MULTIPART,
            None,
            {"boundary": BOUNDARY.decode()},
        )
    assert len(factory.streams) == 1
    assert factory.streams[0].closed


async def test_bad_request_is_raised_even_when_silent() -> None:
    parser = FormDataParser(silent=True)
    with pytest.raises(BadRequest):
        await parser.parse(chunked(b"junk"), MULTIPART, None, {"boundary": "x"})


async def test_silent_swallows_value_errors() -> None:
    def broken_factory(*args: Any) -> IO[bytes]:
        raise ValueError("no storage")

    data = multipart([upload("f", "f.txt", b"x")])
    form, files = await parse_multipart(data, stream_factory=broken_factory, silent=True)
    assert not form
    assert not files
    with pytest.raises(ValueError, match="no storage"):
        await parse_multipart(data, stream_factory=broken_factory, silent=False)


async def test_stream_factory_arguments() -> None:
    headers = [
        ("Content-Disposition", 'form-data; name="f"; filename="f.csv"'),
        ("Content-Type", "text/csv"),
        ("Content-Length", "3"),
    ]
    data = multipart([(headers, b"1,2"), upload("g", "g.txt", b"x")])
    factory = TrackingFactory()
    _, files = await parse_multipart(data, stream_factory=factory)
    assert factory.calls == [
        (len(data), "text/csv", "f.csv", 3),
        (len(data), "text/plain", "g.txt", None),
    ]
    assert files["f"].read() == b"1,2"


async def test_custom_classes() -> None:
    class MyStorage(FileStorage):
        pass

    class MyParser(FormDataParser):
        file_storage_class = MyStorage

    data = multipart([field("a", "1"), upload("f", "f", b"x")])
    form, files = await MyParser(cls=ImmutableMultiDict).parse(
        chunked(data), MULTIPART, None, {"boundary": BOUNDARY.decode()}
    )
    assert isinstance(form, ImmutableMultiDict)
    assert isinstance(files, ImmutableMultiDict)
    assert isinstance(files["f"], MyStorage)
    files["f"].close()

    form, _ = await FormDataParser(cls=None).parse(chunked(b"a=1"), URLENCODED, None)
    assert type(form) is MultiDict


def test_parse_functions() -> None:
    parser = FormDataParser()
    assert set(parser.parse_functions) == {
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "application/x-url-encoded",
    }
    assert parser.get_parse_func("multipart/form-data", {}) is not None
    assert parser.get_parse_func("text/plain", {}) is None


def test_multipart_parser_helpers() -> None:
    parser = MultiPartParser()
    assert parser.get_part_charset(Headers()) == "utf-8"
    assert parser.get_part_charset(Headers({"Content-Type": "text/plain; charset=US-ASCII"})) == (
        "us-ascii"
    )
    assert parser.get_part_charset(Headers({"Content-Type": "text/plain; charset=utf-16"})) == (
        "utf-8"
    )
    with pytest.raises(BadRequest, match="nope"):
        parser.fail("nope")

    factory = TrackingFactory()
    event = File(
        name="f",
        filename="f.txt",
        headers=Headers({"Content-Type": "text/plain", "Content-Length": "x"}),
    )
    stream = MultiPartParser(stream_factory=factory).start_file_streaming(event, 42)
    assert stream is factory.streams[0]
    assert factory.calls == [(42, "text/plain", "f.txt", None)]


# FileStorage


class ThreadRecordingIO(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def write(self, data: Any) -> int:
        self.threads.add(threading.get_ident())
        return super().write(data)


async def test_file_storage_save_to_path(tmp_path: Path) -> None:
    storage = FileStorage(io.BytesIO(b"content"), "f.txt")
    await storage.save(tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_bytes() == b"content"

    storage.stream.seek(0)
    await storage.save(str(tmp_path / "b.txt"), buffer_size=2)
    assert (tmp_path / "b.txt").read_bytes() == b"content"


async def test_file_storage_save_to_file_object() -> None:
    storage = FileStorage(io.BytesIO(b"x" * 100_000), "f.txt")
    target = ThreadRecordingIO()
    await storage.save(target)
    assert not target.closed
    assert target.getvalue() == b"x" * 100_000
    assert threading.get_ident() not in target.threads


async def test_file_storage_load(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00\x01loaded")
    storage = FileStorage(filename="source.bin", content_type="application/octet-stream")
    await storage.load(source)
    assert storage.read() == b"\x00\x01loaded"
    await storage.load(str(source), buffer_size=1)
    assert storage.stream.read() == b"\x00\x01loaded"
    assert storage.content_type == "application/octet-stream"
