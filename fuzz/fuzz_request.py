"""Fuzz target: the whole HTTP request path. Method, path, raw path, query
string, headers and body chunks are built from fuzz bytes and sent to an app
with forms, JSON, sessions, static files and converters through its ASGI
interface. Allowed: any status below 500."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import _harness
import atheris

from quart import Quart
from quart import request
from quart import send_from_directory
from quart import session

_static = tempfile.mkdtemp(prefix="quart-fuzz-")
with open(os.path.join(_static, "a.txt"), "wb") as file:
    file.write(b"static a")

app = Quart(__name__, static_folder=_static)
app.secret_key = "fuzz"
app.config["MAX_CONTENT_LENGTH"] = 64 * 1024


@app.route("/", methods=["GET", "POST", "PUT"])
async def index() -> Any:
    form = await request.form
    files = await request.files
    return {
        "args": len(request.args),
        "form": len(form),
        "files": len(files),
        "cookies": len(request.cookies),
        "session": len(dict(session)),
        "accept": request.accept_mimetypes.best,
        "languages": request.accept_languages.best,
        "range": str(request.range),
        "host": request.host,
        "url": request.url,
    }


@app.post("/json")
async def json_view() -> Any:
    return {"value": repr(await request.get_json(silent=False))[:100]}


@app.get("/int/<int:n>/<path:rest>")
async def converters(n: int, rest: str) -> Any:
    return {"n": n, "rest": rest}


@app.get("/files/<path:name>")
async def files_view(name: str) -> Any:
    return await send_from_directory(_static, name)


@app.post("/session")
async def set_session() -> Any:
    session.update((await request.form).to_dict())
    return {"ok": True}


_METHODS = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "G\u00e9T", ""]
_PATHS = ["/", "/json", "/int/", "/files/", "/static/", "/session", "/x"]
_HEADER_NAMES = [
    b"content-type", b"content-length", b"transfer-encoding", b"cookie", b"accept",
    b"accept-language", b"range", b"if-none-match", b"if-range", b"host", b"x-forwarded-for",
    b"authorization", b"expect", b"connection",
]  # fmt: skip


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    method = _METHODS[provider.ConsumeIntInRange(0, len(_METHODS) - 1)]
    path = _PATHS[provider.ConsumeIntInRange(0, len(_PATHS) - 1)] + provider.ConsumeUnicode(
        provider.ConsumeIntInRange(0, 40)
    )
    raw_path = path.encode("utf-8", "surrogatepass")
    query = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 60))
    headers = []
    for _ in range(provider.ConsumeIntInRange(0, 6)):
        name = _HEADER_NAMES[provider.ConsumeIntInRange(0, len(_HEADER_NAMES) - 1)]
        value = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 80))
        headers.append((name, value.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")))
    chunks = [
        provider.ConsumeBytes(provider.ConsumeIntInRange(0, 200))
        for _ in range(provider.ConsumeIntInRange(0, 4))
    ]
    chunks.append(provider.ConsumeBytes(provider.remaining_bytes()))
    scope = _harness.http_scope(
        path, method=method, headers=headers, query_string=query, raw_path=raw_path
    )
    scope["headers"] = [
        h for h in scope["headers"] if h[0] != b"host" or not any(n == b"host" for n, _ in headers)
    ]
    status, _ = _harness.run(_harness.asgi_call(app, scope, chunks))
    _harness.check_status(status)


if __name__ == "__main__":
    _harness.main(test_one_input)
