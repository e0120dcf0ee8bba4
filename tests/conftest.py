from __future__ import annotations

from collections.abc import Iterator

import pytest

from quart.globals import _cv_app
from quart.globals import _cv_request
from quart.globals import _cv_websocket


@pytest.fixture(autouse=True)
def _no_context_leaks() -> Iterator[None]:
    """Fail any test that leaves an app, request or websocket context pushed."""
    yield
    leaked = [
        name
        for name, var in (("app", _cv_app), ("request", _cv_request), ("websocket", _cv_websocket))
        if var.get(None) is not None
    ]
    assert not leaked, f"context(s) left pushed: {leaked}"
