"""``TestClientProtocol`` restates the test client's signatures; keep them equal.

Every public method of :class:`quart.typing.TestClientProtocol` (and the
constructor and the async context manager methods) must take the same
parameters as :class:`quart.testing.QuartClient`'s: same names, in the same
order, of the same kinds, with the same defaults.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from quart import typing as quart_typing
from quart.testing import QuartClient
from quart.testing.utils import sentinel

# Imported as a module attribute: a ``Test...`` class at module level would be
# collected by pytest.
ClientProtocol = quart_typing.TestClientProtocol
_DUNDERS = ("__init__", "__aenter__", "__aexit__")


def _protocol_methods() -> list[str]:
    return sorted(
        name
        for name, member in vars(ClientProtocol).items()
        if callable(member) and (not name.startswith("_") or name in _DUNDERS)
    )


def _shape(function: Callable[..., object]) -> list[tuple[str, inspect._ParameterKind, object]]:
    signature = inspect.signature(function)
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def test_protocol_lists_the_client_methods() -> None:
    methods = _protocol_methods()
    assert "open" in methods and "session_transaction" in methods and "__init__" in methods
    for name in methods:
        assert hasattr(QuartClient, name), name


@pytest.mark.parametrize("name", _protocol_methods())
def test_signatures_agree(name: str) -> None:
    protocol = _shape(getattr(ClientProtocol, name))
    client = _shape(getattr(QuartClient, name))
    assert protocol == client


def test_json_default_is_the_sentinel() -> None:
    for name in ("open", "session_transaction"):
        parameter = inspect.signature(getattr(ClientProtocol, name)).parameters["json"]
        assert parameter.default is sentinel
