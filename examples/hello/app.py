"""The example app served by `make run` (http://127.0.0.1:5000)."""

from __future__ import annotations

from quart import Quart
from quart import request

app = Quart(__name__)


@app.get("/")
async def index() -> str:
    return "Hello, World!\n"


@app.get("/hello/<name>")
async def hello(name: str) -> dict[str, str]:
    return {"hello": name, "agent": request.headers.get("User-Agent", "")}


@app.post("/echo")
async def echo() -> dict[str, object]:
    return {"json": await request.get_json()}


if __name__ == "__main__":
    app.run()
