"""Fuzz target: the form parser (multipart and URL-encoded) on any body,
boundary and chunk split. Allowed: 400 (malformed) and 413 (a limit)."""

from __future__ import annotations

from typing import Any

import _harness
import atheris

with atheris.instrument_imports(include=["quart"]):
    from quart.formparser import FormDataParser

from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge

_MIMETYPES = ["multipart/form-data", "application/x-www-form-urlencoded", "text/plain"]


async def _parse(mimetype: str, boundary: str, chunks: list[bytes]) -> None:
    async def body() -> Any:
        for chunk in chunks:
            yield chunk

    parser = FormDataParser(max_form_memory_size=4096, max_form_parts=50)
    try:
        form, files = await parser.parse(body(), mimetype, None, {"boundary": boundary})
    except (BadRequest, RequestEntityTooLarge):
        return  # the documented 400 / 413
    for _, storage in files.items(multi=True):
        storage.read()
        storage.close()
    for name, value in form.items(multi=True):
        if not isinstance(name, str) or not isinstance(value, str):
            raise _harness.Finding(f"form item {name!r}: {value!r}")


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    mimetype = _MIMETYPES[provider.ConsumeIntInRange(0, len(_MIMETYPES) - 1)]
    boundary = provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, 72))
    cuts = sorted(
        {provider.ConsumeIntInRange(0, 4096) for _ in range(provider.ConsumeIntInRange(0, 8))}
    )
    body = provider.ConsumeBytes(provider.remaining_bytes())
    points = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    chunks = [body[a:b] for a, b in zip(points, points[1:], strict=False)]
    _harness.run(_parse(mimetype, boundary, chunks))


if __name__ == "__main__":
    _harness.main(test_one_input)
