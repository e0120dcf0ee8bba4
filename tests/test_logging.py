"""``app.logger``, its removable default handler, and the server's logs
(Hypercorn's access and error logs through the app's logging, escaped)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from collections.abc import Iterator
from contextlib import asynccontextmanager
from contextlib import contextmanager

import flask.logging
import pytest

from quart import Quart
from quart._devserver.serving import _hypercorn_config
from quart.logging import create_logger
from quart.logging import default_handler
from quart.logging import escape_control_characters
from quart.logging import has_level_handler

TIMEOUT = 10


@contextmanager
def bare_root() -> Iterator[None]:
    """No handler on the root logger, as in a program that configured nothing.

    (pytest adds its capture handlers to the root logger for each test phase,
    so this is used inside the test body rather than as a fixture.)
    """
    saved = logging.root.handlers
    logging.root.handlers = []
    try:
        yield
    finally:
        logging.root.handlers = saved


def test_default_handler_is_attached_and_removable() -> None:
    app = Quart("logged_app")
    with bare_root():
        logger = app.logger
    try:
        assert logger.handlers == [default_handler]
        assert default_handler is not flask.logging.default_handler
        logger.removeHandler(default_handler)
        assert logger.handlers == []
    finally:
        app.logger.removeHandler(default_handler)


def test_default_handler_not_added_when_logging_is_configured() -> None:
    logger = logging.getLogger("configured_app")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        app = Quart("configured_app")
        assert app.logger.handlers == [handler]
    finally:
        logger.removeHandler(handler)


def test_default_handler_format_and_current_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    app = Quart("stderr_app")
    try:
        with bare_root():
            app.logger.error("something broke")
        err = capsys.readouterr().err
        assert err.startswith("[")
        assert "ERROR in test_logging: something broke" in err
    finally:
        app.logger.removeHandler(default_handler)


def test_logger_name_and_debug_level() -> None:
    app = Quart("debug_app")
    app.debug = True
    logger = create_logger(app)
    try:
        assert logger is app.logger
        assert logger.name == "debug_app"
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(logging.NOTSET)
        logger.removeHandler(default_handler)


def test_has_level_handler_respects_levels_and_propagation() -> None:
    parent = logging.getLogger("lvl_parent")
    parent.propagate = False  # Away from the handlers pytest puts on the root.
    child = logging.getLogger("lvl_parent.child")
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)
    parent.addHandler(handler)
    child.setLevel(logging.WARNING)
    try:
        assert not has_level_handler(child)
        child.setLevel(logging.ERROR)
        assert has_level_handler(child)
        child.propagate = False
        assert not has_level_handler(child)
    finally:
        parent.removeHandler(handler)
        parent.propagate = True
        child.setLevel(logging.NOTSET)
        child.propagate = True


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("/plain/path", "/plain/path"),
        ("/a\nforged line", "/a\\nforged line"),
        ("\r\x1b[31mred\x00", "\\r\\x1b[31mred\\x00"),
        ("/caf\u00e9", "/caf\u00e9"),
    ],
)
def test_escape_control_characters(raw: str, escaped: str) -> None:
    assert escape_control_characters(raw) == escaped


def test_server_config_routes_logs_to_the_app_without_new_handlers() -> None:
    app = Quart("config_app")
    user_handler = logging.NullHandler()
    app.logger.addHandler(user_handler)
    try:
        config = _hypercorn_config(app, "127.0.0.1", 5000, None, None, None)
        assert config.errorlog is app.logger
        assert config.accesslog is logging.getLogger("config_app.access")
        assert app.logger.handlers == [user_handler]
    finally:
        app.logger.removeHandler(user_handler)


@asynccontextmanager
async def serving(app: Quart) -> AsyncIterator[int]:
    """Serve ``app`` with run_task on a pre-bound 127.0.0.1 socket; yield its port."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    fd = sock.detach()  # Hypercorn takes ownership of the listening socket.
    stop = asyncio.Event()
    task = asyncio.ensure_future(app.run_task(host=f"fd://{fd}", shutdown_trigger=stop.wait))
    try:
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(TIMEOUT):
            await task


async def raw_get(port: int, target: bytes) -> bytes:
    async with asyncio.timeout(TIMEOUT):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        data = await reader.read()
        writer.close()
        await writer.wait_closed()
    return data


async def test_access_log_goes_to_app_logger_child_escaped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Quart("served_app")

    @app.route("/<path:anything>")
    async def echo(anything: str) -> str:
        return "ok"

    caplog.set_level(logging.INFO, logger="served_app")
    async with serving(app) as port:
        response = await raw_get(port, b"/a%0Dforged%0Aline%1B[31m")
        assert response.startswith(b"HTTP/1.1 ")
        access = [r for r in caplog.records if r.name == "served_app.access"]
        (record,) = access
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message and "\x1b" not in message
        assert "GET /a\\rforged\\nline\\x1b[31m 1.1 404" in message
        # Silencing the access log is one logger level away.
        logging.getLogger("served_app.access").setLevel(logging.WARNING)
        try:
            await raw_get(port, b"/quiet")
        finally:
            logging.getLogger("served_app.access").setLevel(logging.NOTSET)
    assert len([r for r in caplog.records if r.name == "served_app.access"]) == 1
    running = [r for r in caplog.records if r.name == "served_app"]
    assert any("Running on" in r.getMessage() for r in running)
