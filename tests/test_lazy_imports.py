"""``import quart`` loads only what serving a request needs (issue #14).

The CLI, the test client, the debug page, the server and reloader, Hypercorn
and the Redis stores are imported on first use; their names stay importable
from where Quart 0.22 has them. Each check runs in a fresh interpreter (a
subprocess), since this test session has long imported all of them.

Flask's and Werkzeug's package ``__init__`` run only on first use of a name
they define (``quart._deferred``), so Flask's WSGI app, its CLI, Werkzeug's
development server and WSGI test client are on the list too. Not on it:
``click``, which every app's ``app.cli`` group needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

#: Modules that ``import quart``, creating an app and serving requests must
#: not import.
NOT_NEEDED_TO_SERVE = [
    # this package
    "quart.cli",
    "quart._devserver.discovery",
    "quart.debug",
    "quart.testing",
    "quart._devserver.serving",
    "quart._devserver.reloader",
    "quart.sessions_redis",
    "quart._redis.client",
    "quart.channels",
    "quart._redis.channels",
    # third party and standard library
    "flask.app",
    "flask.cli",
    "flask.testing",
    "werkzeug.serving",
    "werkzeug.test",
    "http.server",
    "hypercorn",
    "h11",
    "h2",
    "redis",
    "dotenv",
    "click.testing",
    "http.cookiejar",
]


def _loaded_after(code: str) -> set[str]:
    """The modules of ``NOT_NEEDED_TO_SERVE`` loaded after running ``code``
    in a fresh interpreter."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps([name for name in {NOT_NEEDED_TO_SERVE!r} if name in sys.modules]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_quart_loads_only_what_serving_needs() -> None:
    assert _loaded_after("import quart") == set()


def test_creating_an_app_and_serving_loads_only_what_serving_needs() -> None:
    # An app with a blueprint, a (plain) CLI command and a session, served
    # through the ASGI interface: lifespan, an HTTP request, shutdown.
    code = """
    import asyncio

    from quart import Blueprint, Quart, session

    app = Quart(__name__)
    app.secret_key = "secret"
    bp = Blueprint("bp", __name__)

    @bp.route("/")
    async def index():
        session["seen"] = True
        return {"hello": "world"}

    @app.cli.command("hello")
    def hello():
        pass

    app.register_blueprint(bp)

    async def main():
        sent = []
        started = asyncio.Event()
        served = asyncio.Event()

        async def send(message):
            sent.append(message)
            if message["type"] == "lifespan.startup.complete":
                started.set()

        async def lifespan_receive(queue=["lifespan.startup", "lifespan.shutdown"]):
            if len(queue) == 1:
                await served.wait()
            return {"type": queue.pop(0)}

        lifespan = asyncio.create_task(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan_receive, send)
        )
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
            "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost")],
            "client": ("127.0.0.1", 1234), "server": ("localhost", 80),
        }

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await started.wait()
        await app(scope, receive, send)
        served.set()
        await lifespan
        types = [message["type"] for message in sent]
        assert types[-1] == "lifespan.shutdown.complete", sent
        start = sent[types.index("http.response.start")]
        assert start["status"] == 200, sent
        assert any(name == b"set-cookie" for name, _ in start["headers"]), sent

    asyncio.run(main())
    """
    assert _loaded_after(code) == set()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("quart", "cli"),
        ("quart", "debug"),
        ("quart", "testing"),
        ("quart.app", "HyperConfig"),
        ("quart.app", "sentinel"),
        ("quart.asgi", "traceback_response"),
        ("quart.asgi", "HTTPScope"),
        ("quart.typing", "CookieJar"),
        ("quart.typing", "HTTPScope"),
        ("quart.utils", "run_reloader"),
        ("quart.wrappers.base", "WWWScope"),
    ],
)
def test_lazy_names_are_listed_and_importable(module: str, name: str) -> None:
    code = f"""
    import {module} as module
    assert {name!r} in dir(module), {name!r}
    from {module} import {name}
    assert getattr(module, {name!r}) is {name}
    """
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, timeout=60)


def test_unknown_names_still_raise_attribute_error() -> None:
    import quart
    import quart.typing

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        quart.nope  # noqa: B018
    with pytest.raises(ImportError):
        from quart.typing import nope  # type: ignore[attr-defined]  # noqa: F401


def test_test_classes_are_the_testing_modules() -> None:
    from quart import Quart
    from quart.testing import QuartClient
    from quart.testing import QuartCliRunner
    from quart.testing import TestApp

    app = Quart(__name__)
    assert Quart.test_client_class is QuartClient
    assert app.test_client_class is QuartClient
    assert app.test_cli_runner_class is QuartCliRunner
    assert app.test_app_class is TestApp

    class MyClient(QuartClient):
        pass

    class MyQuart(Quart):
        test_client_class = MyClient

    assert MyQuart.test_client_class is MyClient
    app.test_client_class = MyClient
    assert isinstance(app.test_client(), MyClient)
    assert Quart.test_client_class is QuartClient
