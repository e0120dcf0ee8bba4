"""Property-based tests of the signed-cookie session.

Any value of the types Flask's tagged JSON supports round-trips through
signing and loading (through a request, as an app sees it); any change to
the cookie gives an empty session.
"""

from __future__ import annotations

from datetime import datetime
from datetime import UTC
from typing import Any

from asgi_harness import _asgi_call
from asgi_harness import _make_http_scope
from hypothesis import assume
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from quart import Quart
from quart import session
from quart.sessions import SecureCookieSessionInterface

_app = Quart(__name__)
_app.secret_key = "property secret"
_loaded: list[dict[str, Any]] = []


@_app.get("/")
async def index() -> str:
    _loaded.append(dict(session))
    return ""


_TEXT = st.text(max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | _TEXT
    | st.binary(max_size=12)
    | _TEXT.map(Markup)
    | st.uuids()
    # Tagged datetimes are HTTP dates: UTC, whole seconds.
    | st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    ).map(lambda moment: moment.replace(microsecond=0))
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(
            _TEXT | st.sampled_from([" t", " di", " b", " u", " m", " d"]), children, max_size=4
        )
    ),
    max_leaves=12,
)
_SESSIONS = st.dictionaries(
    _TEXT | st.sampled_from([" t", " di", "_permanent", "_flashes"]), _VALUES, max_size=5
)


def _sign(data: dict[str, Any]) -> str:
    serializer = SecureCookieSessionInterface().get_signing_serializer(_app)  # type: ignore[arg-type]
    assert serializer is not None
    return serializer.dumps(data)


async def _load(cookie: bytes) -> dict[str, Any]:
    _loaded.clear()
    scope = _make_http_scope("/", headers=[(b"cookie", b"session=" + cookie)])
    response = await _asgi_call(_app, scope)
    assert response.status == 200
    [loaded] = _loaded
    return loaded


def _same(left: Any, right: Any) -> bool:
    # Types matter too: a tuple must not come back as a list, Markup as str.
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


@given(data=_SESSIONS)
async def test_any_session_round_trips(data: dict[str, Any]) -> None:
    loaded = await _load(_sign(data).encode("ascii"))
    assert _same(loaded, data), (loaded, data)


_COOKIE_BYTES = st.sampled_from(
    b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="; \x00\xff'
)


@given(
    data=_SESSIONS.filter(bool),
    mutations=st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete", "truncate"]),
            st.integers(min_value=0, max_value=1_000),
            _COOKIE_BYTES,
        ),
        min_size=1,
        max_size=3,
    ),
)
async def test_any_change_to_the_cookie_gives_an_empty_session(
    data: dict[str, Any], mutations: list[tuple[str, int, int]]
) -> None:
    cookie = bytearray(_sign(data).encode("ascii"))
    original = bytes(cookie)
    for kind, where, byte in mutations:
        index = where % (len(cookie) + 1)
        if kind == "insert":
            cookie[index:index] = bytes([byte])
        elif kind == "truncate":
            del cookie[index:]
        elif index < len(cookie):
            if kind == "replace":
                cookie[index] = byte
            else:
                del cookie[index]
    assume(bytes(cookie) != original)
    # A cookie header splits at ";", and a quoted value is unquoted: what the
    # server reads may be the original cookie again.
    assume(bytes(cookie).split(b";")[0].strip().strip(b'"') != original)
    assert await _load(bytes(cookie)) == {}


@given(st.binary(max_size=200))
async def test_any_cookie_bytes_give_a_session(cookie: bytes) -> None:
    assume(b"\r" not in cookie and b"\n" not in cookie)
    loaded = await _load(cookie)
    assert isinstance(loaded, dict)
