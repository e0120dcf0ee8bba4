"""Fuzz target: JSON request bodies through the app (``request.get_json``).
Allowed: 200 (parsed) and 400 (malformed)."""

from __future__ import annotations

from typing import Any

import _harness

from quart import Quart
from quart import request

app = Quart(__name__)


@app.post("/")
async def index() -> Any:
    value = await request.get_json()
    return {"type": type(value).__name__}


def test_one_input(data: bytes) -> None:
    scope = _harness.http_scope(
        "/", method="POST", headers=[(b"content-type", b"application/json")]
    )
    status, _ = _harness.run(_harness.asgi_call(app, scope, [data]))
    _harness.check_status(status, {200, 400})


if __name__ == "__main__":
    _harness.main(test_one_input)
