"""Fuzz target: ``Range`` with ``If-Range`` on a conditional response.
Allowed: 200, 206 (with the right slice), 304, 412 and 416."""

from __future__ import annotations

import re
from typing import Any

import _harness
import atheris

from quart import Quart
from quart import request
from quart import Response

DATA = bytes(range(256)) * 3
_CONTENT_RANGE = re.compile(rb"bytes (\d+)-(\d+)/(\d+)")

app = Quart(__name__)


@app.get("/")
async def index() -> Any:
    response = Response(DATA, mimetype="application/octet-stream")
    response.set_etag("v1")
    response.last_modified = 1_700_000_000  # type: ignore[assignment]
    return await response.make_conditional(request, accept_ranges=True)


def _clean(value: bytes) -> bytes:
    return value.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    names = [b"range", b"if-range", b"if-none-match", b"if-modified-since", b"if-match"]
    headers = [
        (name, _clean(provider.ConsumeBytes(provider.ConsumeIntInRange(0, 200))))
        for name in names
        if provider.ConsumeBool()
    ]
    status, sent = _harness.run(
        _harness.asgi_call(app, _harness.http_scope("/", headers=headers), [])
    )
    _harness.check_status(status, {200, 206, 304, 412, 416})
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if status == 206:
        start = next(m for m in sent if m["type"] == "http.response.start")
        value = dict((k.lower(), v) for k, v in start["headers"])[b"content-range"]
        match = _CONTENT_RANGE.fullmatch(value)
        if match is None:
            raise _harness.Finding(f"Content-Range {value!r}")
        first, last, length = map(int, match.groups())
        if length != len(DATA) or body != DATA[first : last + 1]:
            raise _harness.Finding(f"206 with {value!r} and {len(body)} bytes")
    elif status == 200 and body != DATA:
        raise _harness.Finding("200 without the whole body")


if __name__ == "__main__":
    _harness.main(test_one_input)
