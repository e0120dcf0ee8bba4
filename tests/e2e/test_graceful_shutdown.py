"""SIGTERM while requests and websockets are in flight, on a real server.

``app.run`` (Hypercorn, as users serve Quart apps) and uvicorn, in a child
process on 127.0.0.1: 20 slow requests and 5 echo websockets, then SIGTERM.
Every request completes; the listening socket is closed at once (new
connections are refused); websockets are closed with a close frame (1001
"going away" from the framework under ``app.run``; uvicorn sends its own
1012 "service restart" before the app can); ``after_serving`` runs after the
last handler has ended; the exit status is 0. The 500-request, 100-websocket
version runs in ``make soak``.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import shutdown_driver

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _argv(server: str, port: int) -> list[str]:
    if server == "app.run":
        return [sys.executable, str(shutdown_driver.APP), str(port)]
    return [
        sys.executable, "-m", "uvicorn", "shutdown_app:app", "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("server", "close_code", "exit_code"),
    # uvicorn re-raises the signal once it has shut down, to exit "killed by SIGTERM".
    [("app.run", 1001, 0), ("uvicorn", 1012, -15)],
)
async def test_sigterm_under_load_is_graceful(
    server: str, close_code: int, exit_code: int, tmp_path: Path
) -> None:
    port = _free_port()
    result = await shutdown_driver.shutdown_under_load(
        _argv(server, port), port, tmp_path, requests=20, websockets=5, request_seconds=1.0
    )
    assert result.exit_code == exit_code, result
    assert result.requests == ["200 done"] * 20, result
    assert result.close_codes == [close_code] * 5, result
    assert result.accepted_after_signal == 0, result
    assert result.refused_after_signal > 0, result
    events = result.events
    assert events.count("request end") == 20
    assert (
        events.count("websocket teardown None") + events.count("websocket teardown CancelledError")
        == 5
    ), events
    assert events[-1] == "after_serving", events
    assert "Traceback" not in result.output, result.output
