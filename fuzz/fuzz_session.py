"""Fuzz target: session cookies. Any cookie gives a session (empty unless it
is one this app signed); the request is answered with 200."""

from __future__ import annotations

from typing import Any

import _harness

from quart import Quart
from quart import session

app = Quart(__name__)
app.secret_key = "fuzz"
app.config["SECRET_KEY_FALLBACKS"] = ["old fuzz key"]


@app.get("/")
async def index() -> Any:
    return {"keys": len(dict(session))}


def test_one_input(data: bytes) -> None:
    # What a server hands over: no CR, LF or NUL in a header value.
    cookie = data.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
    headers = [(b"cookie", b"session=" + cookie)]
    status, _ = _harness.run(_harness.asgi_call(app, _harness.http_scope("/", headers=headers), []))
    _harness.check_status(status, {200})


if __name__ == "__main__":
    _harness.main(test_one_input)
