"""``tools/extension_suites.py`` starts the PostgreSQL server that quart-db's
own tests need (``make test-extensions``), and leaves nothing behind."""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from scripts import load_script
from system_packages import unavailable


@functools.cache
def _suites() -> ModuleType:
    return load_script("tools/extension_suites.py", "tools_extension_suites")


def _bindir() -> Path:
    bindir: Path | None = _suites().postgres_bindir()
    if bindir is None:
        unavailable(
            "the PostgreSQL test",
            "PostgreSQL is not installed; this test needs the real server:"
            " `apt-get install postgresql` (CI's .ci/run installs it).",
        )
    return bindir


def _query(bindir: Path, url: str, sql: str) -> str:
    done = subprocess.run(
        [str(bindir / "psql"), url, "-tAc", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_postgres_server_serves_a_database_and_leaves_nothing() -> None:
    bindir = _bindir()
    with _suites().postgres_server() as url:
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        assert parts.port is not None
        # A database the suites can write to, in a temporary folder.
        assert _query(bindir, url, "select current_database()") == "suites"
        _query(bindir, url, "create table t (x int); insert into t values (1)")
        assert _query(bindir, url, "select sum(x) from t") == "1"
        data = Path(_query(bindir, url, "show data_directory"))
        assert data.exists()
    assert not _accepts(parts.port)  # stopped
    assert not data.parent.exists()  # its files deleted


def test_postgres_server_says_what_to_install_without_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    suites = _suites()
    monkeypatch.setattr(suites, "postgres_bindir", lambda: None)
    with pytest.raises(suites.PostgresUnavailable, match="apt-get install postgresql"):
        with suites.postgres_server():
            pass


def _servers_left() -> list[str]:
    """The command lines of the suites' PostgreSQL servers still running."""
    left = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if "postgres" in command and "quart-suites-postgres-" in command:
            left.append(command)
    return left


def test_postgres_server_stops_a_server_whose_start_was_reported_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pg_ctl can give up waiting (its -t) on a server that goes on starting:
    # that server must not outlive the error.
    bindir = _bindir()
    fake = Path(tempfile.mkdtemp(prefix="fake-pg-bin-"))
    try:
        fake.chmod(0o755)  # the postgres user runs these when the tests run as root
        for name in ("initdb", "createdb"):
            (fake / name).symlink_to(bindir / name)
        wrapper = fake / "pg_ctl"
        wrapper.write_text(
            f'#!/bin/sh\n"{bindir / "pg_ctl"}" "$@"\nstatus=$?\n'
            'case " $* " in *" start "*) exit 1;; esac\nexit $status\n'
        )
        wrapper.chmod(0o755)
        suites = _suites()
        monkeypatch.setattr(suites, "postgres_bindir", lambda: fake)
        with pytest.raises(suites.PostgresUnavailable, match="pg_ctl exited 1"):
            with suites.postgres_server():
                pass
        assert _servers_left() == []
    finally:
        shutil.rmtree(fake, ignore_errors=True)
