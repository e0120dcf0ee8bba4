"""``quart run``, ``python -m quart`` and ``app.run()`` in real subprocesses.

Each test writes a small app into tmp_path, starts the command there bound to
127.0.0.1 on a free port, talks to it over HTTP, then stops it with a signal
and checks the exit status and that the lifespan shutdown ran. Every wait is
bounded, and each process group started here is killed in ``finally``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TIMEOUT = 20
BIN = Path(sys.executable).parent
QUART = str(BIN / "quart")

APP = """
import os
from quart import Quart

app = Quart(__name__)
MARKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.txt")

def record(event):
    with open(MARKER, "a") as file:
        file.write(event + "\\n")

@app.before_serving
async def started():
    if os.environ.get("FAIL_STARTUP"):
        raise RuntimeError("cannot connect to the database")
    record("startup")

@app.after_serving
async def stopped():
    record("shutdown")

@app.route("/")
async def index():
    return "hello"
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _started(args: list[str], cwd: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``args`` in its own process group; kill the group afterwards."""
    full_env = {**os.environ, **env}
    for name in ("QUART_APP", "QUART_DEBUG", "QUART_RUN_MAIN", "QUART_RUN_PORT"):
        if name not in env:
            full_env.pop(name, None)
    out = (cwd / "out.txt").open("wb")
    proc = subprocess.Popen(
        args, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(TIMEOUT)
        out.close()


def _get(port: int, deadline: float) -> str:
    """GET / once the server answers (until the deadline)."""
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _output(tmp_path: Path) -> str:
    return (tmp_path / "out.txt").read_text()


def _events(tmp_path: Path) -> list[str]:
    path = tmp_path / "events.txt"
    return path.read_text().split() if path.exists() else []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def test_quart_run_serves_then_sigterm_shuts_down_gracefully(project: Path) -> None:
    port = _free_port()
    with _started([QUART, "run", "--port", str(port)], project) as proc:
        assert _get(port, time.monotonic() + TIMEOUT) == "hello"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0, _output(project)
    assert _events(project) == ["startup", "shutdown"]
    output = _output(project)
    assert " * Serving Quart app 'app'" in output
    assert " * Debug mode: off" in output
    assert f" * Running on http://127.0.0.1:{port} (CTRL + C to quit)" in output


def test_quart_run_exits_nonzero_when_startup_fails(project: Path) -> None:
    port = _free_port()
    with _started([QUART, "run", "--port", str(port)], project, FAIL_STARTUP="1") as proc:
        code = proc.wait(TIMEOUT)
    assert code == 1
    output = _output(project)
    assert "cannot connect to the database" in output
    assert _events(project) == []


def test_python_m_quart_reloader_with_env_port_and_sigint(project: Path) -> None:
    port = _free_port()
    args = [sys.executable, "-m", "quart", "--app", "app:app", "run", "--reload"]
    with _started(args, project, QUART_RUN_PORT=str(port)) as proc:
        assert _get(port, time.monotonic() + TIMEOUT) == "hello"
        proc.send_signal(signal.SIGINT)  # To the supervising parent only.
        assert proc.wait(TIMEOUT) == 0, _output(project)
    assert _events(project) == ["startup", "shutdown"]


def test_reloader_restarts_on_change_and_forwards_sigterm(project: Path) -> None:
    port = _free_port()
    with _started([QUART, "run", "--reload", "--port", str(port)], project) as proc:
        deadline = time.monotonic() + TIMEOUT
        assert _get(port, deadline) == "hello"
        source = (project / "app.py").read_text().replace('"hello"', '"changed"')
        (project / "app.py").write_text(source)
        while _get(port, deadline) != "changed":
            assert time.monotonic() < deadline, _output(project)
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)  # To the supervising parent only.
        assert proc.wait(TIMEOUT) == 0, _output(project)
    assert _events(project) == ["startup", "shutdown", "startup", "shutdown"]
    assert "Detected a change, reloading" in _output(project)


def test_reloader_survives_a_broken_edit(project: Path) -> None:
    port = _free_port()
    source = (project / "app.py").read_text()
    with _started([QUART, "run", "--reload", "--port", str(port)], project) as proc:
        deadline = time.monotonic() + TIMEOUT
        assert _get(port, deadline) == "hello"
        (project / "app.py").write_text(source + "\nthis is not python\n")
        while "fix it and save" not in _output(project):
            assert time.monotonic() < deadline, _output(project)
            time.sleep(0.1)
        (project / "app.py").write_text(source.replace('"hello"', '"fixed"'))
        while _get(port, deadline) != "fixed":
            assert time.monotonic() < deadline, _output(project)
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0, _output(project)


def test_app_run_from_a_script_with_the_reloader(project: Path) -> None:
    port = _free_port()
    script = project / "serve.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from app import app

            if __name__ == "__main__":
                app.run(port={port})
            """
        )
    )
    with _started([sys.executable, str(script)], project) as proc:
        assert _get(port, time.monotonic() + TIMEOUT) == "hello"
        # Ctrl-C in a terminal signals the whole group: parent and child.
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(TIMEOUT) == 0, _output(project)
    assert _events(project) == ["startup", "shutdown"]


def test_app_run_startup_failure_exits_nonzero_through_the_reloader(project: Path) -> None:
    port = _free_port()
    (project / "serve.py").write_text(f"from app import app\napp.run(port={port})\n")
    args = [sys.executable, "serve.py"]
    with _started(args, project, FAIL_STARTUP="1") as proc:
        assert proc.wait(TIMEOUT) == 1, _output(project)


def test_python_m_quart_version(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quart", "--version"],
        cwd=tmp_path,
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    )
    assert b"Quart " in result.stdout
