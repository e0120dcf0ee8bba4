"""Regression tests for the bugs the property tests and fuzzers found, each
written the way a user would hit it."""

from __future__ import annotations

from typing import Any

from quart import Quart
from quart import request
from quart import session


async def test_every_file_uploaded_under_one_name_is_closed(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    # <input type="file" name="docs" multiple>: the browser sends one part per
    # file, all named "docs". Only the first one's temporary file was closed
    # at the end of the request; the others held a file descriptor until
    # garbage collection (found by test_properties_multipart).
    kept: list[Any] = []

    @app.post("/upload")
    async def upload() -> str:
        files = await request.files
        kept.extend(files.getlist("docs"))
        return str(len(files.getlist("docs")))

    body = (
        b"".join(
            b'--b\r\nContent-Disposition: form-data; name="docs"; filename="%d.txt"\r\n\r\n'
            b"content %d\r\n" % (i, i)
            for i in range(3)
        )
        + b"--b--\r\n"
    )
    scope = http_scope(
        "/upload", method="POST", headers=[(b"content-type", b"multipart/form-data; boundary=b")]
    )
    response = await asgi_call(app, scope, body)
    assert response.body == b"3"
    assert len(kept) == 3
    assert all(storage.stream.closed for storage in kept)


async def test_a_cookie_with_another_spelling_of_the_signature_is_refused(app: Quart) -> None:
    # The last base64 character of the signature has unused bits: changing
    # it to a neighbour ("...PjQ" to "...PjR") gave the same signature bytes,
    # and the altered cookie loaded as the original session (found by
    # test_properties_sessions). Every other spelling is now refused.
    app.secret_key = "secret"

    @app.get("/")
    async def index() -> dict[str, Any]:
        return dict(session)

    @app.post("/login")
    async def login() -> str:
        session["user"] = "alice"
        return ""

    client = app.test_client()
    response = await client.post("/login")
    cookie = response.headers["Set-Cookie"].split(";")[0].partition("=")[2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    loaded = []
    for char in alphabet:
        other = app.test_client()
        other.set_cookie("localhost", "session", cookie[:-1] + char)
        loaded.append((char, await (await other.get("/")).get_json()))
    assert [char for char, data in loaded if data] == [cookie[-1]]
