"""A real ``redis-server`` for the tests: started on a free 127.0.0.1 port,
without persistence, in a temporary directory, and always stopped.

A missing ``redis-server`` skips the tests that need it, with the command
that installs it, except under CI (``CI`` set, as ``.ci/run`` does after
installing it), where it fails them: CI must never pass without having run
them. So ``make test`` still passes on a fresh machine with only Python.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from system_packages import unavailable

#: Seconds allowed for redis-server to start answering or to stop.
BOUND = 10


def _free_port() -> int:
    # Bind, read the port, release: redis-server binds it itself. Another
    # process may take it in between, so start() retries on a clash.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process; ``url`` points at it."""

    def __init__(self, directory: Path) -> None:
        executable = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
        )
        if executable is None:
            unavailable(
                "the Redis tests",
                "redis-server is not installed; these tests need a real one:"
                " `apt-get install redis-server` (CI's .ci/run installs it).",
            )
        self.executable = executable
        self.directory = directory
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, port: int | None = None) -> None:
        """Start (on ``port``, or a free one: retried if another process
        takes it first) and wait until it answers PING."""
        for _attempt in range(5):
            self.port = port or _free_port()
            self.process = subprocess.Popen(
                [
                    self.executable,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self.directory),
                    "--loglevel", "warning",
                    "--daemonize", "no",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + BOUND
            while time.monotonic() < deadline:
                if _pings(self.port):
                    return
                if self.process.poll() is not None:
                    break  # the port was taken: try another
                time.sleep(0.02)
            self.stop()
            if port is not None:
                time.sleep(0.2)  # the old server's port may still be closing
        raise RuntimeError(f"redis-server did not start (last port {self.port}).")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(BOUND)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(BOUND)

    def restart(self) -> None:
        """Start again on the same port (after :meth:`stop`)."""
        self.start(self.port)
