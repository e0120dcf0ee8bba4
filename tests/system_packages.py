"""Tests that need a real program from a Debian package (``redis-server``,
Chromium, PostgreSQL).

Without it they are skipped with what installs it, so ``make test`` passes on
a fresh machine with only Python; under CI (``CI`` set, as ``.ci/run`` sets
it after installing them) they fail instead: CI never passes without having
run them.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(tests: str, reason: str) -> NoReturn:
    """Skip the running test (fail it under CI): ``tests`` (say "the Redis
    tests") cannot run, for ``reason`` (which names what to install)."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run {tests}: {reason}", pytrace=False)
    pytest.skip(reason)
