"""The differential check's cases: plain Quart user code.

Each case builds a small app with ``from quart import ...``, drives it the way
a Quart user's tests do (the test client, ``test_request_context``,
``make_test_scope``) or at the ASGI level through :func:`harness.record_asgi`,
and records what it sees in the observation dict it is given. The runner
(``run.py``) runs every case once under this package and once under real
Quart 0.22 and prints where the observations differ.

Rules for a case:

* Write it as a Quart user would; import names that might be missing on one
  side inside the case (a failed import is then that case's observation, not
  a crash of every case).
* Record values, not judgements: what the user would see (status, headers,
  body, frames, the exception's type and text, which hooks ran, in order).
* Nothing random or time-dependent in an observation: redact such a value in
  the case (see ``_redact_cookie``) or add the header to
  ``harness.NORMALISED_HEADERS`` with a comment.
* Grow it with every compatibility bug found: the bug's reproduction becomes a
  case here, named after the issue when there is one (``iNN_...``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import io
import os
import tempfile
import types
from collections.abc import AsyncGenerator
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from harness import body_obs
from harness import Case
from harness import exc_obs
from harness import headers_obs
from harness import http_scope
from harness import jsonable
from harness import Obs
from harness import record_asgi
from harness import step
from harness import websocket_scope

from quart import abort
from quart import after_this_request
from quart import Blueprint
from quart import copy_current_websocket_context
from quart import g
from quart import jsonify
from quart import make_response
from quart import Quart
from quart import redirect
from quart import request
from quart import Response
from quart import send_from_directory
from quart import session
from quart import stream_with_context
from quart import url_for
from quart import websocket

#: Every case by name, in definition order.
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    """Register ``fn`` as a case named after the function."""
    CASES[fn.__name__] = fn
    return fn


def add_case(name: str, fn: Case) -> None:
    """Register ``fn`` as a case called ``name`` (for parametrised families)."""
    CASES[name] = fn


# Helpers ---------------------------------------------------------------------


async def resp_obs(response: Any) -> dict[str, Any]:
    """Status, headers and body of a Quart (or Werkzeug) response."""
    data = response.get_data()
    if inspect.isawaitable(data):
        data = await data
    return {
        "status": response.status_code,
        "headers": headers_obs(response.headers),
        "body": body_obs(data),
    }


def _redact_cookie(headers: list[list[str]]) -> list[list[str]]:
    """Set-Cookie values with the signed (time-stamped) value replaced."""
    result = []
    for name, value in headers:
        if name == "set-cookie" and "=" in value:
            key, _, rest = value.partition("=")
            payload, sep, attributes = rest.partition(";")
            value = f"{key}=<{'empty' if not payload else 'value'}>{sep}{attributes}"
        result.append([name, value])
    return result


async def get_obs(app: Quart, path: str, **kwargs: Any) -> Any:
    """``client.open(path, **kwargs)`` as :func:`resp_obs`, or what it raised."""
    client: Any = app.test_client()
    try:
        response = await asyncio.wait_for(client.open(path, **kwargs), 2)
    except TimeoutError:
        return "timeout"
    except (Exception, asyncio.CancelledError) as exc:
        return exc_obs(exc)
    return await resp_obs(response)


def echo_app() -> Quart:
    """An app whose ``/`` (any method) reports what the request carried."""
    app = Quart(__name__)

    @app.route("/", methods=["GET", "POST", "PUT"])
    async def index() -> Any:
        raw = await request.get_data(cache=True)
        form = await request.form
        files = await request.files
        return {
            "content_type": request.headers.get("Content-Type"),
            "content_length": request.headers.get("Content-Length"),
            "raw": jsonable(raw),
            "form": [[k, v] for k, v in form.items(multi=True)],
            "files": [
                [k, f.filename, f.content_type, jsonable(f.read())]
                for k, f in files.items(multi=True)
            ],
        }

    return app


# Issue #13 cases -------------------------------------------------------------


@case
async def i01_ws_receive_in_spawned_task(obs: Obs) -> None:
    """A handler that receives in a task it spawned; leaving the client returns."""
    app = Quart(__name__)
    events: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def reader() -> None:
            while True:
                await queue.put(await websocket.receive())

        task = asyncio.ensure_future(reader())
        try:
            while True:
                await websocket.send(f"echo:{await queue.get()}")
        finally:
            events.append("handler finally")
            task.cancel()

    async def talk() -> None:
        async with app.test_client().websocket("/ws") as conn:
            await conn.send("a")
            obs["frame"] = await conn.receive()
            events.append("leaving")

    await step(obs, "session", talk())
    obs["events"] = events


@case
async def i01_ws_broadcast_copy_context(obs: Obs) -> None:
    """Broker pattern: two clients, receives in copy_current_websocket_context tasks."""
    app = Quart(__name__)
    listeners: set[asyncio.Queue[str]] = set()
    events: list[str] = []

    @app.websocket("/ws")
    async def ws() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        listeners.add(queue)

        @copy_current_websocket_context
        async def reader() -> None:
            while True:
                message = await websocket.receive()
                for listener in listeners:
                    await listener.put(str(message))

        task = asyncio.ensure_future(reader())
        try:
            while True:
                await websocket.send(await queue.get())
        finally:
            listeners.discard(queue)
            events.append("handler finally")
            task.cancel()

    async def talk() -> None:
        client = app.test_client()
        async with client.websocket("/ws") as one, client.websocket("/ws") as two:
            await one.send("x")
            await two.send("y")
            obs["frames_one"] = sorted([str(await one.receive()), str(await one.receive())])
            obs["frames_two"] = sorted([str(await two.receive()), str(await two.receive())])
            events.append("leaving")

    await step(obs, "session", talk())
    obs["events"] = events


def _cancelled_app(events: list[Any]) -> Quart:
    """An app whose view raises CancelledError itself; records the teardowns."""
    app = Quart(__name__)

    @app.route("/")
    async def index() -> str:
        raise asyncio.CancelledError()

    @app.teardown_request
    async def teardown_request(exc: BaseException | None) -> None:
        events.append(["teardown_request", type(exc).__name__ if exc else None])

    @app.teardown_appcontext
    async def teardown_appcontext(exc: BaseException | None) -> None:
        events.append(["teardown_appcontext", type(exc).__name__ if exc else None])

    return app


@case
async def i02_view_raises_cancelled_error(obs: Obs) -> None:
    """A view raising asyncio.CancelledError: what the test client returns, teardowns."""
    events: list[Any] = []
    obs["client"] = await get_obs(_cancelled_app(events), "/")
    obs["events"] = events


@case
async def i02_view_raises_cancelled_error_asgi(obs: Obs) -> None:
    """A view raising asyncio.CancelledError, at the ASGI level."""
    events: list[Any] = []
    app = _cancelled_app(events)
    obs["asgi"] = await record_asgi(
        app, http_scope(), [{"type": "http.request", "body": b"", "more_body": False}]
    )
    obs["events"] = events


@case
async def i03_client_data_dict(obs: Obs) -> None:
    """Test client ``data={"name": "x"}`` (Flask's form shorthand)."""
    data: Any = {"name": "x"}
    obs["response"] = await get_obs(echo_app(), "/", method="POST", data=data)


@case
async def i03_client_data_multidict(obs: Obs) -> None:
    """Test client ``data=MultiDict(...)``."""
    from werkzeug.datastructures import MultiDict

    data: Any = MultiDict([("name", "x"), ("name", "y")])
    obs["response"] = await get_obs(echo_app(), "/", method="POST", data=data)


@case
async def i03_client_data_file_tuple(obs: Obs) -> None:
    """Test client ``data`` with a (file, filename) tuple, as in Flask."""
    data: Any = {"name": "x", "upload": (io.BytesIO(b"abc"), "a.txt")}
    obs["response"] = await get_obs(echo_app(), "/", method="POST", data=data)


@case
async def i03_client_data_str_and_bytes(obs: Obs) -> None:
    """Test client ``data`` as str and as bytes (the documented types)."""
    app = echo_app()
    obs["str"] = await get_obs(app, "/", method="POST", data="name=x")
    obs["bytes"] = await get_obs(app, "/", method="POST", data=b"\x00\xff")


@case
async def i03_test_request_context_data_dict(obs: Obs) -> None:
    """``app.test_request_context("/", method="POST", data={...})``."""
    app = Quart(__name__)
    data: Any = {"name": "x"}
    factory: Any = app.test_request_context
    try:
        ctx = factory("/", method="POST", data=data)
    except Exception as exc:
        obs["create"] = exc_obs(exc)
        return
    async with ctx:
        obs["content_type"] = request.headers.get("Content-Type")
        obs["form"] = jsonable(dict(await request.form))
        obs["raw"] = jsonable(await request.get_data())


@case
async def i03_test_request_context_form_and_json(obs: Obs) -> None:
    """``test_request_context`` with ``form=`` and with ``json=``."""
    app = Quart(__name__)
    async with app.test_request_context("/", method="POST", form={"name": "x"}):
        obs["form"] = jsonable(dict(await request.form))
        obs["form_content_type"] = request.headers.get("Content-Type")
    async with app.test_request_context("/", method="POST", json={"a": [1, 2]}):
        obs["json"] = jsonable(await request.get_json())
        obs["json_content_type"] = request.headers.get("Content-Type")


async def _made(value: Any) -> dict[str, Any]:
    """What ``make_response(value)`` gives: its type, status, headers, body."""
    try:
        result = await make_response(value)
    except Exception as exc:
        return exc_obs(exc)
    return {
        "type": type(result).__name__,
        "is_quart_response": isinstance(result, Response),
        **(await resp_obs(result)),
    }


@case
async def i04_make_response_werkzeug_response(obs: Obs) -> None:
    """make_response given a werkzeug Response alone and in a tuple."""
    from werkzeug.wrappers import Response as WerkzeugResponse

    app = Quart(__name__)
    async with app.app_context():
        obs["alone"] = await _made(WerkzeugResponse("w", status=201, headers={"X-W": "1"}))
        obs["tuple"] = await _made((WerkzeugResponse("w"), 202, {"X-T": "t"}))
        obs["tuple_status"] = await _made((WerkzeugResponse("w"), 203))
        obs["tuple_headers"] = await _made((WerkzeugResponse("w"), {"X-H": "h"}))
        maker: Any = make_response
        try:
            obs["args"] = await resp_obs(await maker(WerkzeugResponse("w"), 204, {"X-A": "a"}))
        except Exception as exc:
            obs["args"] = exc_obs(exc)


@case
async def i04_view_returns_werkzeug_response(obs: Obs) -> None:
    """A view returning a werkzeug Response (alone and in a tuple)."""
    from werkzeug.wrappers import Response as WerkzeugResponse

    app = Quart(__name__)

    @app.route("/alone")
    async def alone() -> Any:
        return WerkzeugResponse("w", status=201, headers={"X-W": "1"})

    @app.route("/tuple")
    async def in_tuple() -> Any:
        return WerkzeugResponse("w"), 202, {"X-T": "t"}

    obs["alone"] = await get_obs(app, "/alone")
    obs["tuple"] = await get_obs(app, "/tuple")


def _root_path_app() -> Quart:
    """An app reporting how it saw the path and root path."""
    app = Quart(__name__)

    @app.route("/x")
    async def x() -> Any:
        return {
            "path": request.path,
            "root_path": request.root_path,
            "script_root": request.script_root,
            "url": request.url,
            "url_for": url_for("x"),
        }

    return app


@case
async def i05_root_path_test_client(obs: Obs) -> None:
    """Test client with root_path="/app": a path under it and one not under it."""
    app = _root_path_app()
    obs["under"] = await get_obs(app, "/app/x", root_path="/app")
    obs["not_under"] = await get_obs(app, "/x", root_path="/app")
    obs["other"] = await get_obs(app, "/other/x", root_path="/app")


@case
async def i05_root_path_asgi(obs: Obs) -> None:
    """ASGI scope root_path="/app" with a path under it and one not under it."""
    app = _root_path_app()
    body = [{"type": "http.request", "body": b"", "more_body": False}]
    obs["under"] = await record_asgi(app, http_scope("/app/x", root_path="/app"), list(body))
    obs["not_under"] = await record_asgi(app, http_scope("/x", root_path="/app"), list(body))
    obs["other"] = await record_asgi(app, http_scope("/other/x", root_path="/app"), list(body))


@case
async def i06_blueprint_cli_group(obs: Obs) -> None:
    """Blueprint(..., cli_group=...) with Ellipsis, None, a name and the default."""
    import click

    groups: dict[str, Any] = {"ellipsis": ..., "none": None, "name": "grp", "default": "omit"}
    for label, group in groups.items():
        app = Quart(__name__)
        blueprint_class: Any = Blueprint
        bp: Any
        if group == "omit":
            bp = blueprint_class("bp", __name__)
        else:
            bp = blueprint_class("bp", __name__, cli_group=group)

        def hello() -> None:
            click.echo("hi")

        bp.cli.command("hello")(hello)
        app.register_blueprint(bp)
        runner = app.test_cli_runner()
        seen: dict[str, Any] = {"commands": sorted(app.cli.commands)}
        for args in (["hello"], ["bp", "hello"], ["grp", "hello"]):
            result = runner.invoke(args=args)
            seen[" ".join(args)] = [result.exit_code, result.output.strip().splitlines()[-1:]]
        obs[label] = seen


@case
async def i07_send_from_directory(obs: Obs) -> None:
    """send_from_directory: missing file in a request / app context, a present file."""
    app = Quart(__name__)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "present.txt")
        with open(path, "wb") as file:
            file.write(b"present")
        os.utime(path, (1_600_000_000, 1_600_000_000))
        async with app.test_request_context("/"):
            await step(obs, "missing_request_ctx", send_from_directory(directory, "missing.txt"))
            await step(obs, "escape_request_ctx", send_from_directory(directory, "../x.txt"))
            ok, response = await step(
                obs, "present_request_ctx", send_from_directory(directory, "present.txt")
            )
            if ok:
                seen = await resp_obs(response)
                # The ETag hashes the (temporary) path.
                seen["headers"] = [[k, "<etag>" if k == "etag" else v] for k, v in seen["headers"]]
                obs["present"] = seen
        async with app.app_context():
            await step(obs, "missing_app_ctx", send_from_directory(directory, "missing.txt"))
            await step(obs, "present_app_ctx", send_from_directory(directory, "present.txt"))


def _plain_app() -> Quart:
    """An app with a plain GET view and a streaming one."""
    app = Quart(__name__)

    @app.route("/")
    async def index() -> str:
        return "hello"

    @app.route("/stream")
    async def stream() -> Any:
        async def body() -> AsyncGenerator[bytes, None]:
            yield b"one"
            yield b"two"

        return body(), 200, {"Content-Type": "text/plain"}

    return app


@case
async def i08_head_test_client(obs: Obs) -> None:
    """HEAD through the test client: status, headers and the body returned."""
    app = _plain_app()
    obs["plain"] = await get_obs(app, "/", method="HEAD")
    obs["stream"] = await get_obs(app, "/stream", method="HEAD")
    client = app.test_client()
    obs["head_method"] = await resp_obs(await client.head("/"))


@case
async def i08_head_asgi(obs: Obs) -> None:
    """HEAD at the ASGI level: every message sent."""
    app = _plain_app()
    body = [{"type": "http.request", "body": b"", "more_body": False}]
    obs["plain"] = await record_asgi(app, http_scope("/", method="HEAD"), list(body))
    obs["stream"] = await record_asgi(app, http_scope("/stream", method="HEAD"), list(body))


def _conditional_case(range_header: str, complete_length: bool) -> Case:
    """A case: make_conditional on a 10-byte body for ``Range: range_header``."""

    async def run(obs: Obs) -> None:
        app = Quart(__name__)

        @app.route("/")
        async def index() -> Any:
            response = Response(b"0123456789")
            if complete_length:
                await response.make_conditional(request, True, complete_length=10)
            else:
                await response.make_conditional(request, True)
            return response

        obs["get"] = await get_obs(app, "/", headers={"Range": range_header})

    return run


for _range in (
    "bytes=0-3",
    "bytes=5-",
    "bytes=-3",
    "bytes=0-0",
    "bytes=0-9",
    "bytes=0-20",
    "bytes=20-30",
    "bytes=5-2",
    "bytes=-0",
    "bytes=0-1,3-4",
    "items=0-1",
):
    add_case(f"i09_make_conditional_complete_length[{_range}]", _conditional_case(_range, True))
    add_case(f"i09_make_conditional[{_range}]", _conditional_case(_range, False))


@case
async def i10_make_test_scope(obs: Obs) -> None:
    """make_test_scope(...) output for http (1.1 and 2) and websocket."""
    from werkzeug.datastructures import Headers

    from quart.testing import make_test_scope

    maker: Any = make_test_scope
    headers = Headers({"X-A": "1", "Host": "localhost"})
    for label, args in {
        "http": ("http", "/p/é", "GET", headers, b"q=1", "http", "", "1.1", None),
        "http2": ("http", "/p", "POST", headers, b"", "https", "/root", "2", None),
        "websocket": ("websocket", "/ws", "GET", headers, b"", "ws", "", "1.1", None),
        "scope_base": ("http", "/", "GET", headers, b"", "http", "", "1.1", {"client": ("h", 1)}),
    }.items():
        try:
            obs[label] = jsonable(maker(*args))
        except Exception as exc:
            obs[label] = exc_obs(exc)


def _scope_app(seen: list[Any]) -> Quart:
    """An app whose ASGI entry records the scope it is called with."""
    app = Quart(__name__)

    @app.route("/p")
    async def p() -> str:
        return "p"

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()

    inner = app.asgi_app

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        seen.append(jsonable(scope))
        await inner(scope, receive, send)

    app.asgi_app = recording  # type: ignore[method-assign]
    return app


@case
async def i10_scope_reaching_app(obs: Obs) -> None:
    """The scope the test client hands the app, for http and websocket."""
    seen: list[Any] = []
    app = _scope_app(seen)
    client = app.test_client()
    await client.get("/p?q=1", headers={"X-A": "1"})

    async def talk() -> None:
        async with client.websocket("/ws", headers={"X-A": "1"}):
            pass

    await step(obs, "websocket", talk())
    obs["scopes"] = seen


@case
async def i11_multipart_files_and_form(obs: Obs) -> None:
    """The multipart body the test client builds for files= (with and without form=)."""
    from quart.datastructures import FileStorage

    def files() -> Any:
        return {"f": FileStorage(io.BytesIO(b"abc"), filename="a.txt", content_type="text/plain")}

    app = echo_app()
    obs["files"] = await get_obs(app, "/", method="POST", files=files())
    obs["files_form"] = await get_obs(app, "/", method="POST", files=files(), form={"k": "v"})
    obs["form_only"] = await get_obs(app, "/", method="POST", form={"k": "v", "l": "w"})


@case
async def i11_make_test_body_with_headers(obs: Obs) -> None:
    """quart.testing.make_test_body_with_headers for files + form."""
    from quart.datastructures import FileStorage
    from quart.testing import make_test_body_with_headers

    maker: Any = make_test_body_with_headers
    body, headers = maker(
        files={"f": FileStorage(io.BytesIO(b"abc"), filename="a.txt")}, form={"k": "v"}
    )
    obs["body"] = jsonable(body)
    obs["headers"] = headers_obs(headers)


#: Quart 0.22's modules (what user code and extensions import from).
MODULES = (
    "quart",
    "quart.app",
    "quart.asgi",
    "quart.blueprints",
    "quart.cli",
    "quart.config",
    "quart.ctx",
    "quart.datastructures",
    "quart.debug",
    "quart.formparser",
    "quart.globals",
    "quart.helpers",
    "quart.json",
    "quart.json.provider",
    "quart.json.tag",
    "quart.logging",
    "quart.routing",
    "quart.sessions",
    "quart.signals",
    "quart.templating",
    "quart.testing",
    "quart.testing.app",
    "quart.testing.client",
    "quart.testing.connections",
    "quart.testing.utils",
    "quart.typing",
    "quart.utils",
    "quart.views",
    "quart.wrappers",
    "quart.wrappers.base",
    "quart.wrappers.request",
    "quart.wrappers.response",
    "quart.wrappers.websocket",
)


#: Where typing helpers come from; such names are left out of i12.
TYPING_MODULES = ("typing", "typing_extensions", "collections.abc", "__future__")


@case
async def i12_module_names(obs: Obs) -> None:
    """Public module-level names of each module Quart 0.22 has.

    Left out: names starting with ``_``, modules, and typing helpers (``Any``,
    ``TYPE_CHECKING``, type variables), which no user code imports from Quart.
    A name only Quart has is code that imports fine there and fails here.
    """
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            obs[name] = exc_obs(exc)
            continue
        obs[name] = sorted(
            attr
            for attr, value in vars(module).items()
            if not attr.startswith("_")
            and attr not in ("annotations", "TYPE_CHECKING")
            and not isinstance(value, types.ModuleType | TypeVar)
            and getattr(value, "__module__", None) not in TYPING_MODULES
        )


@case
async def i13_server_name_mismatch_warning(obs: Obs) -> None:
    """SERVER_NAME that does not match the request's host (warnings are recorded)."""
    app = Quart(__name__)
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/")
    async def index() -> str:
        return "index"

    obs["localhost"] = await get_obs(app, "/", headers={"Host": "localhost"})
    obs["match"] = await get_obs(app, "/")
    body = [{"type": "http.request", "body": b"", "more_body": False}]
    obs["asgi"] = await record_asgi(app, http_scope("/"), body)


def _ws_close_app() -> Quart:
    """Websocket routes ending in the ways a handler can end."""
    app = Quart(__name__)

    @app.websocket("/return")
    async def ws_return() -> None:
        await websocket.accept()
        await websocket.send("text")
        await websocket.send(b"bytes")

    @app.websocket("/close")
    async def ws_close() -> None:
        await websocket.accept()
        await websocket.close(1001, "going away")

    @app.websocket("/close-code")
    async def ws_close_code() -> None:
        await websocket.accept()
        await websocket.close(1000)

    @app.websocket("/abort")
    async def ws_abort() -> None:
        abort(403)

    @app.websocket("/raise")
    async def ws_raise() -> None:
        await websocket.accept()
        raise ValueError("boom")

    return app


@case
async def i14_asgi_websocket_messages(obs: Obs) -> None:
    """Every ASGI message (and its keys) a websocket handler sends, per ending."""
    app = _ws_close_app()
    connect = {"type": "websocket.connect"}
    for path in ("/return", "/close", "/close-code", "/abort", "/raise"):
        obs[path] = await record_asgi(app, websocket_scope(path), [dict(connect)])
    obs["/abort no extension"] = await record_asgi(
        app, websocket_scope("/abort", http_response=False), [dict(connect)]
    )
    obs["/missing"] = await record_asgi(app, websocket_scope("/missing"), [dict(connect)])


@case
async def i14_asgi_http_messages(obs: Obs) -> None:
    """Every ASGI message (and its keys) sent for plain, streamed and empty responses."""
    app = _plain_app()

    @app.route("/empty")
    async def empty() -> Any:
        return "", 204

    body = {"type": "http.request", "body": b"", "more_body": False}
    for path in ("/", "/stream", "/empty", "/missing"):
        obs[path] = await record_asgi(app, http_scope(path), [dict(body)])


@case
async def i15_ws_close_from_other_task(obs: Obs) -> None:
    """Close from another task while the handler waits in receive(): code and reason."""
    app = Quart(__name__)
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()

        async def closer() -> None:
            await asyncio.sleep(0.05)
            await websocket.close(4408, "too slow")
            events.append("closed")

        task = asyncio.ensure_future(closer())
        try:
            await websocket.receive()
            events.append("receive returned")
        except BaseException as exc:
            events.append(["receive raised", type(exc).__name__])
            raise
        finally:
            task.cancel()

    async def talk() -> None:
        async with app.test_client().websocket("/ws") as conn:
            try:
                await conn.receive()
            except Exception as exc:
                obs["client_receive"] = exc_obs(exc)
                obs["client_receive_args"] = jsonable(exc.args)
                obs["client_receive_attrs"] = jsonable(
                    {k: v for k, v in vars(exc).items() if not k.startswith("_")}
                )

    await step(obs, "session", talk())
    obs["events"] = list(events)
    events.clear()
    obs["asgi"] = await record_asgi(
        app, websocket_scope("/ws"), [{"type": "websocket.connect"}], timeout=1
    )
    obs["asgi_events"] = events


@case
async def i16_client_set_cookie(obs: Obs) -> None:
    """client.set_cookie("quart", "name", "value") then requests to localhost."""
    app = Quart(__name__)

    @app.route("/")
    async def index() -> Any:
        return {"cookies": dict(request.cookies), "header": request.headers.get("Cookie")}

    for label, args in {
        "server_quart": ("quart", "name", "value"),
        "server_localhost": ("localhost", "name", "value"),
    }.items():
        client: Any = app.test_client()
        try:
            client.set_cookie(*args)
        except Exception as exc:
            obs[label] = exc_obs(exc)
            continue
        obs[label] = await resp_obs(await client.get("/"))
    client = app.test_client()
    try:
        client.set_cookie("localhost", "gone", "value")
        client.delete_cookie("localhost", "gone")
        obs["deleted"] = await resp_obs(await client.get("/"))
    except Exception as exc:
        obs["deleted"] = exc_obs(exc)


# Baseline: ordinary behaviour -------------------------------------------------


def _routing_app() -> Quart:
    """Routes for the routing cases."""
    app = Quart(__name__)

    @app.route("/get")
    async def get_only() -> str:
        return "get"

    @app.route("/dir/")
    async def directory() -> str:
        return "dir"

    @app.route("/int/<int:n>")
    async def integer(n: int) -> str:
        return f"int {n}"

    @app.route("/path/<path:rest>")
    async def path(rest: str) -> str:
        return f"path {rest}"

    @app.route("/go")
    async def go() -> Any:
        return redirect(url_for("get_only"))

    @app.route("/go303")
    async def go303() -> Any:
        return redirect("/get", 303)

    @app.route("/post", methods=["POST"])
    async def post() -> str:
        return "post"

    return app


@case
async def b_routing_404_405(obs: Obs) -> None:
    """404 for an unknown path, 405 (and Allow) for a wrong method."""
    app = _routing_app()
    obs["404"] = await get_obs(app, "/nope")
    obs["405"] = await get_obs(app, "/get", method="POST")
    obs["405_post"] = await get_obs(app, "/post")
    obs["int_bad"] = await get_obs(app, "/int/x")


@case
async def b_routing_converters_options(obs: Obs) -> None:
    """Converters and the automatic OPTIONS response."""
    app = _routing_app()
    obs["int"] = await get_obs(app, "/int/7")
    obs["path"] = await get_obs(app, "/path/a/b/c")
    obs["options"] = await get_obs(app, "/get", method="OPTIONS")
    obs["head"] = await get_obs(app, "/get", method="HEAD")


@case
async def b_redirects(obs: Obs) -> None:
    """Strict-slash redirect, redirect(), 303 and follow_redirects."""
    app = _routing_app()
    obs["strict_slash"] = await get_obs(app, "/dir")
    obs["redirect"] = await get_obs(app, "/go")
    obs["redirect_303"] = await get_obs(app, "/go303")
    obs["follow"] = await get_obs(app, "/go", follow_redirects=True)
    obs["follow_slash"] = await get_obs(app, "/dir", follow_redirects=True)


@case
async def b_json(obs: Obs) -> None:
    """JSON responses and request.get_json in its variants."""
    app = Quart(__name__)

    @app.route("/dict")
    async def a_dict() -> Any:
        return {"b": 1, "a": [1, 2], "u": "é"}

    @app.route("/list")
    async def a_list() -> Any:
        return ["x", 1]

    @app.route("/jsonify")
    async def a_jsonify() -> Any:
        return jsonify(1, 2)

    @app.route("/echo", methods=["POST"])
    async def echo() -> Any:
        return {"json": await request.get_json(), "is_json": request.is_json}

    @app.route("/silent", methods=["POST"])
    async def silent() -> Any:
        return {"json": await request.get_json(silent=True)}

    @app.route("/force", methods=["POST"])
    async def force() -> Any:
        return {"json": await request.get_json(force=True)}

    obs["dict"] = await get_obs(app, "/dict")
    obs["list"] = await get_obs(app, "/list")
    obs["jsonify"] = await get_obs(app, "/jsonify")
    obs["echo"] = await get_obs(app, "/echo", method="POST", json={"k": [1, None]})
    bad = {"Content-Type": "application/json"}
    obs["invalid"] = await get_obs(app, "/echo", method="POST", data="{nope", headers=bad)
    obs["wrong_type"] = await get_obs(app, "/echo", method="POST", data='{"a": 1}')
    obs["silent"] = await get_obs(app, "/silent", method="POST", data="{nope", headers=bad)
    obs["force"] = await get_obs(app, "/force", method="POST", data='{"a": 1}')


def _error_app() -> Quart:
    """Views that fail in the common ways, with some error handlers."""
    app = Quart(__name__)

    class Custom(Exception):
        pass

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    @app.route("/custom")
    async def custom() -> str:
        raise Custom("custom")

    @app.route("/abort/<int:code>")
    async def abort_code(code: int) -> str:
        abort(code)

    @app.route("/abort-response")
    async def abort_response() -> str:
        abort(Response("teapot", 418))

    @app.route("/abort-description")
    async def abort_description() -> str:
        abort(400, description="bad thing")

    @app.errorhandler(Custom)
    async def handle_custom(exc: Custom) -> Any:
        return f"handled {exc}", 409

    @app.errorhandler(403)
    async def handle_403(exc: Exception) -> Any:
        return "forbidden here", 403

    return app


@case
async def b_errors_and_handlers(obs: Obs) -> None:
    """500s, error handlers for a class and a code, abort in its forms."""
    app = _error_app()
    for path in (
        "/boom",
        "/custom",
        "/abort/403",
        "/abort/404",
        "/abort/418",
        "/abort/599",
        "/abort-response",
        "/abort-description",
    ):
        obs[path] = await get_obs(app, path)


@case
async def b_errors_testing_propagate(obs: Obs) -> None:
    """With app.testing: what the test client gives for a failing view.

    The body is reduced to a few facts: a debug page holds file paths and
    line numbers that differ between the two installs.
    """
    app = _error_app()
    app.testing = True
    for path in ("/boom", "/custom", "/abort/404"):
        seen = await get_obs(app, path)
        if isinstance(seen, dict) and isinstance(seen.get("body"), str):
            body = seen.pop("body")
            seen["headers"] = [h for h in seen["headers"] if h[0] != "content-length"]
            seen["body_mentions_exception"] = "ValueError" in body and "boom" in body
            seen["body_has_traceback"] = "Traceback" in body or "traceback" in body
        obs[path] = seen


@case
async def b_error_handler_exception_and_500(obs: Obs) -> None:
    """errorhandler(Exception) and errorhandler(500) and what they receive."""
    app = Quart(__name__)
    seen: list[Any] = []

    @app.route("/boom")
    async def boom() -> str:
        raise KeyError("k")

    @app.route("/missing")
    async def missing() -> str:
        abort(404)

    @app.errorhandler(Exception)
    async def handle(exc: Exception) -> Any:
        seen.append(type(exc).__name__)
        return "exception handler", 500

    obs["boom"] = await get_obs(app, "/boom")
    obs["missing"] = await get_obs(app, "/missing")
    obs["seen"] = seen

    app2 = Quart(__name__)

    @app2.route("/boom")
    async def boom2() -> str:
        raise KeyError("k")

    @app2.errorhandler(500)
    async def handle500(exc: Exception) -> Any:
        seen.append(
            ["500", type(exc).__name__, type(getattr(exc, "original_exception", None)).__name__]
        )
        return "500 handler", 500

    obs["500"] = await get_obs(app2, "/boom")
    obs["seen_500"] = seen


@case
async def b_return_values(obs: Obs) -> None:
    """The return values a view may give, and invalid ones."""
    app = Quart(__name__)
    returns: dict[str, Callable[[], Any]] = {
        "str": lambda: "s",
        "bytes": lambda: b"b",
        "status": lambda: ("s", 201),
        "headers": lambda: ("s", {"X-A": "1"}),
        "status_headers": lambda: ("s", 202, [("X-B", "2")]),
        "response": lambda: Response("r", 203, mimetype="text/x-r"),
        "none": lambda: None,
        "int": lambda: 5,
        "tuple4": lambda: ("a", 200, {}, 1),
        "generator": lambda: (part for part in ["g1", "g2"]),
    }

    for name, make in returns.items():

        async def view(make: Callable[[], Any] = make) -> Any:
            return make()

        app.add_url_rule(f"/{name}", name, view)
    for name in returns:
        obs[name] = await get_obs(app, f"/{name}")


@case
async def b_session_round_trip(obs: Obs) -> None:
    """Session set in one request, read in the next; session_transaction."""
    app = Quart(__name__)
    app.secret_key = "secret"

    @app.route("/set")
    async def set_value() -> str:
        session["k"] = "v"
        return "set"

    @app.route("/get")
    async def get_value() -> Any:
        return {"k": session.get("k"), "new": session.new, "permanent": session.permanent}

    @app.route("/clear")
    async def clear() -> str:
        session.clear()
        return "cleared"

    client = app.test_client()
    response = await client.get("/set")
    obs["set_cookie"] = _redact_cookie(
        [[k, v] for k, v in headers_obs(response.headers) if k == "set-cookie"]
    )
    obs["get"] = await resp_obs(await client.get("/get"))
    async with client.session_transaction() as sess:
        obs["transaction_sees"] = dict(sess)
        sess["k"] = "changed"
    obs["after_transaction"] = await resp_obs(await client.get("/get"))
    response = await client.get("/clear")
    obs["clear_cookie"] = _redact_cookie(
        [[k, v] for k, v in headers_obs(response.headers) if k == "set-cookie"]
    )
    obs["after_clear"] = await resp_obs(await client.get("/get"))


@case
async def b_streaming(obs: Obs) -> None:
    """Streamed responses: async generator, stream_with_context, at the ASGI level too."""
    app = _plain_app()

    @app.route("/ctx")
    async def ctx() -> Any:
        @stream_with_context
        async def body() -> AsyncGenerator[str, None]:
            yield request.path
            yield request.args.get("x", "-")

        return body()

    obs["stream"] = await get_obs(app, "/stream")
    obs["ctx"] = await get_obs(app, "/ctx?x=1")
    body = {"type": "http.request", "body": b"", "more_body": False}
    obs["asgi"] = await record_asgi(app, http_scope("/ctx", query_string=b"x=2"), [body])


@case
async def b_hooks_order(obs: Obs) -> None:
    """The order of request hooks, app and blueprint."""
    app = Quart(__name__)
    bp = Blueprint("bp", __name__)
    order: list[str] = []

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        order.append(f"url_value_preprocessor {endpoint}")

    @app.before_request
    async def before_one() -> None:
        order.append("app before 1")

    @app.before_request
    async def before_two() -> None:
        order.append("app before 2")

    @bp.before_request
    async def bp_before() -> None:
        order.append("bp before")

    @bp.before_app_request
    async def bp_before_app() -> None:
        order.append("bp before_app_request")

    @app.after_request
    async def after_one(response: Response) -> Response:
        order.append("app after 1")
        return response

    @app.after_request
    async def after_two(response: Response) -> Response:
        order.append("app after 2")
        return response

    @bp.after_request
    async def bp_after(response: Response) -> Response:
        order.append("bp after")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        order.append("app teardown_request")

    @bp.teardown_request
    async def bp_teardown(exc: BaseException | None) -> None:
        order.append("bp teardown_request")

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        order.append("teardown_appcontext")

    @bp.route("/x")
    async def x() -> str:
        order.append("view")

        @after_this_request
        async def later(response: Any) -> Any:
            order.append("after_this_request")
            return response

        return "x"

    app.register_blueprint(bp, url_prefix="/bp")
    await app.test_client().get("/bp/x")
    obs["bp"] = list(order)
    order.clear()
    await app.test_client().get("/missing")
    obs["404"] = list(order)


@case
async def b_before_request_short_circuit(obs: Obs) -> None:
    """A before_request returning a response skips the view but not after_request."""
    app = Quart(__name__)
    order: list[str] = []

    @app.before_request
    async def stop() -> Any:
        order.append("before")
        return "stopped", 401

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.route("/")
    async def index() -> str:
        order.append("view")
        return "view"

    obs["response"] = await get_obs(app, "/")
    obs["order"] = order


def _ws_app(order: list[Any]) -> Quart:
    """Websocket routes for the baseline websocket cases."""
    app = Quart(__name__)

    @app.before_websocket
    async def before() -> None:
        order.append("before_websocket")

    @app.after_websocket
    async def after(response: Any) -> Any:
        order.append(["after_websocket", response is None])
        return response

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        order.append(["teardown_websocket", type(exc).__name__ if exc else None])

    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(message)

    @app.websocket("/json")
    async def json_echo() -> None:
        data = await websocket.receive_json()
        await websocket.send_json({"got": data})

    @app.websocket("/accept")
    async def accept() -> None:
        await websocket.accept(headers={"X-Accepted": "yes"}, subprotocol="chat")
        await websocket.send(f"{websocket.path} {websocket.args.get('q')}")

    @app.websocket("/reject")
    async def reject() -> None:
        abort(401)

    @app.websocket("/reject-response")
    async def reject_response() -> Any:
        return "nope", 403, {"X-Reason": "r"}

    return app


@case
async def b_ws_echo(obs: Obs) -> None:
    """Websocket echo of text, bytes and JSON; the hooks around it."""
    order: list[Any] = []
    app = _ws_app(order)

    async def talk() -> None:
        client = app.test_client()
        async with client.websocket("/echo") as conn:
            await conn.send("text")
            obs["text"] = jsonable(await conn.receive())
            await conn.send(b"bytes")
            obs["bytes"] = jsonable(await conn.receive())
        async with client.websocket("/json") as conn:
            await conn.send_json({"a": 1})
            obs["json"] = jsonable(await conn.receive_json())

    await step(obs, "session", talk())
    await asyncio.sleep(0.01)
    obs["order"] = order


@case
async def b_ws_accept_headers(obs: Obs) -> None:
    """accept() with headers and a subprotocol: client view and ASGI messages."""
    app = _ws_app([])

    async def talk() -> None:
        client = app.test_client()
        async with client.websocket("/accept?q=1", subprotocols=["chat"]) as conn:
            obs["frame"] = jsonable(await conn.receive())

    await step(obs, "session", talk())
    obs["asgi"] = await record_asgi(
        app,
        websocket_scope("/accept", subprotocols=["chat"]),
        [{"type": "websocket.connect"}],
    )


@case
async def b_ws_reject(obs: Obs) -> None:
    """A websocket rejected before accept: abort(401) and a returned response."""
    order: list[Any] = []
    app = _ws_app(order)
    for path in ("/reject", "/reject-response"):

        async def talk(path: str = path) -> None:
            async with app.test_client().websocket(path) as conn:
                await conn.receive()

        try:
            await asyncio.wait_for(talk(), 2)
            obs[path] = "no error"
        except TimeoutError:
            obs[path] = "timeout"
        except Exception as exc:
            seen = exc_obs(exc)
            response = getattr(exc, "response", None)
            if response is not None:
                seen["response"] = await resp_obs(response)
            obs[path] = seen
    obs["order"] = order


@case
async def b_ws_client_disconnect(obs: Obs) -> None:
    """The client leaves while the handler waits: what the handler sees."""
    app = Quart(__name__)
    events: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        try:
            await websocket.receive()
        except BaseException as exc:
            events.append(type(exc).__name__)
            raise

    async def talk() -> None:
        async with app.test_client().websocket("/ws"):
            await asyncio.sleep(0.02)

    await step(obs, "session", talk())
    obs["events"] = list(events)
    obs["asgi"] = await record_asgi(
        app,
        websocket_scope("/ws"),
        [{"type": "websocket.connect"}, 0.02, {"type": "websocket.disconnect", "code": 1001}],
    )
    obs["asgi_events"] = events


@case
async def b_test_request_context(obs: Obs) -> None:
    """What the request looks like inside test_request_context."""
    app = Quart(__name__)

    @app.route("/item/<name>")
    async def item(name: str) -> str:
        return name

    async with app.test_request_context(
        "/item/x?a=1&a=2", method="PUT", headers={"X-A": "h"}, scheme="https"
    ):
        obs["request"] = jsonable(
            {
                "method": request.method,
                "path": request.path,
                "full_path": request.full_path,
                "url": request.url,
                "base_url": request.base_url,
                "url_root": request.url_root,
                "host": request.host,
                "scheme": request.scheme,
                "args": [[k, v] for k, v in request.args.items(multi=True)],
                "endpoint": request.endpoint,
                "view_args": request.view_args,
                "remote_addr": request.remote_addr,
                "headers": headers_obs(request.headers),
            }
        )
        g.x = 1
        obs["g"] = g.get("x")


@case
async def b_url_for(obs: Obs) -> None:
    """url_for in a request context, with options, a blueprint, errors."""
    app = Quart(__name__)
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @app.route("/item/<int:n>")
    async def item(n: int) -> str:
        return str(n)

    @bp.route("/thing")
    async def thing() -> str:
        return "thing"

    app.register_blueprint(bp)
    calls: dict[str, Callable[[], str]] = {
        "plain": lambda: url_for("item", n=3),
        "query": lambda: url_for("item", n=3, q="a b", r=["1", "2"]),
        "external": lambda: url_for("item", n=3, _external=True),
        "scheme": lambda: url_for("item", n=3, _external=True, _scheme="https"),
        "anchor": lambda: url_for("item", n=3, _anchor="top"),
        "blueprint": lambda: url_for("bp.thing"),
        "static": lambda: url_for("static", filename="a.css"),
        "missing": lambda: url_for("nope"),
        "bad_value": lambda: url_for("item", n="x"),
    }
    async with app.test_request_context("/bp/thing"):
        calls_here: dict[str, Callable[[], str]] = {
            **calls,
            "relative_bp": lambda: url_for(".thing"),
        }
        for name, call in calls_here.items():
            try:
                obs[name] = call()
            except Exception as exc:
                obs[name] = exc_obs(exc)
    async with app.app_context():
        try:
            obs["app_ctx_no_server_name"] = url_for("item", n=1)
        except Exception as exc:
            obs["app_ctx_no_server_name"] = exc_obs(exc)
    app.config["SERVER_NAME"] = "example.com"
    async with app.app_context():
        try:
            obs["app_ctx_server_name"] = url_for("item", n=1)
        except Exception as exc:
            obs["app_ctx_server_name"] = exc_obs(exc)


@case
async def b_session_cookie_bytes(obs: Obs) -> None:
    """The session cookie itself, at a fixed time: the same bytes for plain
    values and flashed messages (a list of tuples) and for tagged values;
    cookies signed by the other framework are read; a cookie with an
    altered signature, or an old one, reads as empty."""
    from datetime import timedelta
    from unittest import mock

    app = Quart(__name__)
    app.secret_key = "secret"
    app.permanent_session_lifetime = timedelta(seconds=60)
    values: dict[str, Any] = {
        "plain": {"user_id": 42, "name": "é", "ok": True, "none": None, "x": 1.5},
        "flashes": {"_flashes": [("info", "Welcome back!")], "user_id": 1},
        "tagged": {"b": b"\x00bytes", "t": (1, [2, (3,)])},
        "tag_named": {" t": [1]},
        "long": {"note": "abc" * 200},
    }

    @app.route("/set/<name>")
    async def set_value(name: str) -> str:
        session.update(values[name])
        return "set"

    @app.route("/get")
    async def get_value() -> Any:
        return {key: repr(value) for key, value in session.items()}

    client = app.test_client()
    with mock.patch("time.time", return_value=1_700_000_000.25):
        for name in values:
            client = app.test_client()
            response = await client.get(f"/set/{name}")
            cookies = [v for k, v in headers_obs(response.headers) if k == "set-cookie"]
            obs[f"cookie.{name}"] = cookies[0].split(";")[0] if cookies else None
        # Read back what was just signed, then altered and too old copies.
        signed = obs["cookie.plain"].split("=", 1)[1]
        for label, cookie in {
            "good": signed,
            "altered": signed[:-1] + ("A" if signed[-1] != "A" else "B"),
            "padded": signed + "=",
        }.items():
            response = await app.test_client().get("/get", headers={"Cookie": f"session={cookie}"})
            obs[f"read.{label}"] = await response.get_json()
    with mock.patch("time.time", return_value=1_700_000_000.25 + 120):
        response = await app.test_client().get("/get", headers={"Cookie": f"session={signed}"})
        obs["read.expired"] = await response.get_json()


@case
async def b_request_from_asgi_scope(obs: Obs) -> None:
    """Request attributes from a server-style ASGI scope."""
    app = Quart(__name__)

    @app.route("/r", methods=["POST"])
    async def r() -> Any:
        return {
            "remote_addr": request.remote_addr,
            "host": request.host,
            "url": request.url,
            "args": request.args.to_dict(flat=False),
            "cookies": dict(request.cookies),
            "form": (await request.form).to_dict(flat=False),
            "content_length": request.content_length,
            "mimetype": request.mimetype,
            "accept": str(request.accept_mimetypes),
        }

    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", b"7"),
        (b"cookie", b"a=1; b=2"),
        (b"accept", b"text/html;q=0.9, application/json"),
    ]
    obs["asgi"] = await record_asgi(
        app,
        http_scope("/r", "POST", headers, b"x=1&x=2&y="),
        [
            {"type": "http.request", "body": b"k=v", "more_body": True},
            {"type": "http.request", "body": b"&l=w", "more_body": False},
        ],
    )


@case
async def b_max_content_length(obs: Obs) -> None:
    """A body over MAX_CONTENT_LENGTH."""
    app = echo_app()
    app.config["MAX_CONTENT_LENGTH"] = 4
    obs["over"] = await get_obs(app, "/", method="POST", data=b"0123456789")
    obs["under"] = await get_obs(app, "/", method="POST", data=b"012")


@case
async def b_lifespan(obs: Obs) -> None:
    """ASGI lifespan: startup/shutdown messages and the serving hooks."""
    app = Quart(__name__)
    order: list[str] = []

    @app.before_serving
    async def startup() -> None:
        order.append("before_serving")

    @app.after_serving
    async def shutdown() -> None:
        order.append("after_serving")

    obs["lifespan"] = await record_asgi(
        app,
        {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": {}},
        [{"type": "lifespan.startup"}, 0.02, {"type": "lifespan.shutdown"}],
    )
    obs["order"] = order

    failing = Quart(__name__)

    @failing.before_serving
    async def fail() -> None:
        raise RuntimeError("no start")

    obs["failing"] = await record_asgi(
        failing,
        {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": {}},
        [{"type": "lifespan.startup"}],
    )


@case
async def b_test_app_serving(obs: Obs) -> None:
    """app.test_app() runs the serving hooks around its block."""
    app = Quart(__name__)
    order: list[str] = []

    @app.before_serving
    async def startup() -> None:
        order.append("before_serving")

    @app.after_serving
    async def shutdown() -> None:
        order.append("after_serving")

    @app.route("/")
    async def index() -> str:
        order.append("view")
        return "i"

    async def run() -> None:
        async with app.test_app() as test_app:
            order.append("inside")
            await test_app.test_client().get("/")

    await step(obs, "test_app", run())
    obs["order"] = order


@case
async def b_templates_and_flash(obs: Obs) -> None:
    """render_template_string, flash and get_flashed_messages."""
    from quart import flash
    from quart import get_flashed_messages
    from quart import render_template_string

    app = Quart(__name__)
    app.secret_key = "secret"

    @app.route("/flash")
    async def do_flash() -> str:
        await flash("hello")
        await flash("bad", "error")
        return "ok"

    @app.route("/show")
    async def show() -> Any:
        return jsonify(get_flashed_messages(with_categories=True))

    @app.route("/tpl")
    async def tpl() -> str:
        return await render_template_string(
            "{{ request.path }} {{ name|upper }} {{ '<b>' }} {{ url_for('tpl') }}", name="x"
        )

    client = app.test_client()
    await client.get("/flash")
    obs["show"] = await resp_obs(await client.get("/show"))
    obs["tpl"] = await resp_obs(await client.get("/tpl"))


@case
async def b_template_calls_and_string_compiles(obs: Obs) -> None:
    """Method calls from a template (loop.cycle, a plain method, pass_context,
    StopIteration) and how often a template string is compiled."""
    from jinja2 import pass_context

    from quart import render_template_string
    from quart.templating import Environment

    compiled: list[str] = []

    class CountingEnvironment(Environment):
        def compile(self, source: Any, *args: Any, **kwargs: Any) -> Any:
            compiled.append(source)
            return super().compile(source, *args, **kwargs)

    class App(Quart):
        jinja_environment = CountingEnvironment

    class Shelf:
        def label(self, value: int) -> str:
            return f"<{value}>"

        def empty(self) -> str:
            raise StopIteration

        @pass_context
        def titled(self, context: Any, value: int) -> str:
            return f"{context['title']}:{value}"

    app = App(__name__)
    source = (
        "{% for i in [1, 2] %}{{ loop.cycle('a', 'b') }}{{ shelf.label(i) }}"
        "{{ shelf.titled(i) }} {% endfor %}[{{ shelf.empty() }}][{{ shelf.missing }}]"
    )
    renders = []
    async with app.app_context():
        for title in ("T", "U", "V"):
            renders.append(await render_template_string(source, shelf=Shelf(), title=title))
    obs["renders"] = renders
    obs["compiles"] = len(compiled)
    obs["context_class_is_jinjas"] = app.jinja_env.context_class.__module__ == "jinja2.runtime"


@case
async def b_config_defaults(obs: Obs) -> None:
    """The default config keys and values."""
    app = Quart(__name__)
    obs["config"] = jsonable(dict(sorted(app.config.items())))
    obs["defaults"] = jsonable(
        {
            "name": app.name,
            "debug": app.debug,
            "testing": app.testing,
            "static_url_path": app.static_url_path,
            "json_provider": type(app.json).__name__,
            "response_class": app.response_class.__name__,
            "request_class": app.request_class.__name__,
            "url_map_rules": sorted(str(rule) for rule in app.url_map.iter_rules()),
        }
    )


@case
async def b_response_object(obs: Obs) -> None:
    """A Response built by hand: defaults, cookies, json, mimetype."""
    response = Response("body")
    obs["default"] = await resp_obs(response)
    response.set_cookie("c", "v", path="/p", httponly=True, samesite="Lax")
    response.delete_cookie("d")
    obs["cookies"] = headers_obs(response.headers)
    json_response = Response('{"a": 1}', mimetype="application/json")
    obs["json"] = jsonable(await json_response.get_json())
    obs["is_json"] = json_response.is_json
    obs["bytes_status"] = await resp_obs(Response(b"\x00", status=201, content_type="x/y"))


@case
async def b_routing_error_traceback(obs: Obs) -> None:
    """A routing error's traceback: whole in a 404 handler (a converter's
    abort() included), and after the request (ours drops it then: README,
    Differences from Quart)."""
    from werkzeug.routing import BaseConverter

    app = Quart(__name__)

    def lookup_user(value: str) -> str:
        if value != "1":
            abort(404)
        return "one"

    class UserConverter(BaseConverter):
        def to_python(self, value: str) -> str:
            return lookup_user(value)

    app.url_map.converters["user"] = UserConverter

    @app.route("/users/<user:user>")
    async def user(user: str) -> str:
        return user

    kept: list[BaseException] = []

    @app.errorhandler(404)
    async def not_found(error: Any) -> Any:
        import traceback

        obs["in_handler_has_converter_frame"] = "in lookup_user" in "".join(
            traceback.format_exception(error)
        )
        kept.append(error)
        return "no such user", 404

    obs["missing_user"] = await get_obs(app, "/users/2")
    obs["traceback_after_request"] = kept[0].__traceback__ is not None
