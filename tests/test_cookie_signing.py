"""``quart._cookie_signing.read`` against itsdangerous's own ``loads``.

``read`` answers only for a valid cookie, and then with exactly what
``serializer.loads`` returns; for anything else it says "ask itsdangerous"
(``UNKNOWN``), so a refused cookie is refused by itsdangerous itself.
"""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from quart import Quart
from quart import Response
from quart._cookie_signing import read
from quart._cookie_signing import UNKNOWN
from quart._cookie_signing import vary_on_cookie
from quart._cookie_signing import write
from quart.sessions import _canonical_signature
from quart.sessions import SecureCookieSessionInterface

_PLAIN = st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8)
_DATA = st.dictionaries(
    st.text(max_size=6) | st.sampled_from([" t", " b", " di", " u"]),
    st.recursive(_PLAIN, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=4) | st.sampled_from([" t", " b"]), inner, max_size=3
    ), max_leaves=8)
    # Long enough, now and then, for itsdangerous to compress the payload.
    | st.just("x" * 300),
    max_size=4,
)  # fmt: skip


def _serializer(secret: str, fallbacks: list[str]) -> URLSafeTimedSerializer:
    app = Quart(__name__)
    app.secret_key = secret
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)  # type: ignore[arg-type]
    assert serializer is not None
    return serializer


def _itsdangerous(serializer: URLSafeTimedSerializer, value: str, max_age: int) -> Any:
    try:
        data = serializer.loads(value, max_age=max_age)
    except BadData as error:
        return type(error)
    return data if _canonical_signature(value) else "not canonical"


@given(
    data=_DATA,
    signed_with=st.sampled_from(["new", "old", "stranger"]),
    edit=st.sampled_from(["none", "signature", "payload", "timestamp", "padding", "separator"]),
    age=st.sampled_from([0, 5, 100]),
)
@example(data={"a": 1}, signed_with="new", edit="signature", age=0)
@example(data={" t": [1, 2]}, signed_with="old", edit="none", age=0)
@example(data={"big": "x" * 300}, signed_with="new", edit="payload", age=0)
@example(data={"a": 1}, signed_with="new", edit="none", age=100)
def test_read_answers_only_for_what_itsdangerous_accepts(
    data: dict[str, Any], signed_with: str, edit: str, age: int
) -> None:
    reading = _serializer("new", ["old"])
    signing = _serializer({"new": "new", "old": "old", "stranger": "other"}[signed_with], [])
    with mock.patch("time.time", return_value=time.time() - age):
        value = signing.dumps(data)
    if edit == "signature":
        value = value[:-1] + ("A" if value[-1] != "A" else "B")
    elif edit == "payload":
        value = ("e" if value[0] != "e" else "f") + value[1:]
    elif edit == "timestamp":
        payload, stamp, signature = value.rsplit(".", 2)
        value = f"{payload}.{stamp[:-1]}{'A' if stamp[-1] != 'A' else 'B'}.{signature}"
    elif edit == "padding":
        value += "="
    elif edit == "separator":
        value = value.replace(".", "", 1)
    expected = _itsdangerous(reading, value, max_age=50)
    got = read(reading, value, 50)
    if got is UNKNOWN:
        # Refused, or not a cookie this reader knows: itsdangerous decides.
        assert not (signed_with != "stranger" and edit == "none" and age < 50)
    else:
        assert got == expected, (got, expected)
        assert signed_with != "stranger" and age < 50


def test_a_serializer_of_another_kind_is_left_to_itsdangerous() -> None:
    other = URLSafeTimedSerializer("secret", salt="cookie-session")
    value = other.dumps({"a": 1})
    assert other.loads(value) == {"a": 1}
    assert read(other, value, 60) is UNKNOWN


@pytest.mark.parametrize("max_age", [0, 60])
def test_a_cookie_from_the_future_or_too_old_is_left_to_itsdangerous(max_age: int) -> None:
    serializer = _serializer("new", [])
    with mock.patch("time.time", return_value=time.time() + 3600):
        future = serializer.dumps({"a": 1})
    with mock.patch("time.time", return_value=time.time() - 3600):
        old = serializer.dumps({"a": 1})
    assert read(serializer, future, max_age) is UNKNOWN
    assert read(serializer, old, max_age) is UNKNOWN
    assert read(serializer, serializer.dumps({"a": 1}), max_age) == {"a": 1}


_PLAIN_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.just("é" * 40)  # compressed, and not ASCII
)
# Lists and tuples of plain values (flashed messages are a list of tuples),
# nested; and what Flask's tags change (bytes, a tuple of bytes, a dict).
_SEQUENCES = st.recursive(
    _PLAIN_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple),
    max_leaves=6,
)
_ANY_VALUES = (
    _SEQUENCES
    | st.binary(max_size=4)
    | st.tuples(st.binary(max_size=2))
    | st.lists(st.dictionaries(st.text(max_size=2), st.integers(), max_size=1), max_size=2)
)


@given(
    data=st.dictionaries(
        st.text(max_size=6) | st.sampled_from([" t", " di", "_flashes"]), _ANY_VALUES, max_size=4
    ),
    now=st.integers(min_value=0, max_value=2**40),
)
@example(data={"user_id": 42, "csrf": "abc"}, now=1_700_000_000)
@example(data={" t": 1}, now=1_700_000_000)
@example(data={"note": "x" * 400}, now=1_700_000_000)
@example(data={"_flashes": [("info", "Welcome back!"), ("error", "é")]}, now=1_700_000_000)
@example(data={"a": [[1, (2, [3])], ()], "b": b"x"}, now=1_700_000_000)
# Compressed, this one is exactly one byte shorter: itsdangerous keeps it plain.
@example(data={"a": "ahovcjqxelszgnubipwdkryfmtahovcjqxels"}, now=1_700_000_000)
def test_write_makes_the_cookie_itsdangerous_makes(data: dict[str, Any], now: int) -> None:
    serializer = _serializer("new", ["old"])
    with mock.patch("time.time", return_value=now + 0.5):
        expected = serializer.dumps(data)
        got = write(serializer, data)
    plain = all(_plain(value) for value in data.values())
    tagged_key = len(data) == 1 and next(iter(data)) in {" t", " di"}
    if plain and not tagged_key:
        assert got == expected
    else:
        assert got is None


def _plain(value: Any) -> bool:
    if type(value) in {str, int, float, bool, type(None)}:
        return True
    return type(value) in {list, tuple} and all(_plain(item) for item in value)


def test_write_leaves_data_to_flask_once_a_tag_is_registered() -> None:
    from flask.json.tag import JSONTag
    from flask.json.tag import TaggedJSONSerializer

    class TagText(JSONTag):
        key = " x"

        def check(self, value: Any) -> bool:
            return isinstance(value, str)

        def to_json(self, value: Any) -> Any:
            return value.upper()

        def to_python(self, value: Any) -> Any:
            return value.lower()

    class Interface(SecureCookieSessionInterface):
        serializer = TaggedJSONSerializer()

    app = Quart(__name__)
    app.secret_key = "secret"
    serializer = Interface().get_signing_serializer(app)  # type: ignore[arg-type]
    assert serializer is not None
    assert write(serializer, {"a": "b"}) is not None
    Interface.serializer.register(TagText, index=0)
    assert write(serializer, {"a": "b"}) is None
    assert serializer.loads(serializer.dumps({"a": "b"})) == {"a": "b"}


@pytest.mark.parametrize(
    "vary", [None, "Cookie", "cookie", "Accept-Encoding", "accept-encoding,origin", '"x", Cookie']
)
@pytest.mark.parametrize("response_class", [Response, WerkzeugResponse])
def test_vary_on_cookie_is_werkzeugs_vary_add(vary: str | None, response_class: Any) -> None:
    made = response_class("x")
    expected = response_class("x")
    for response in (made, expected):
        if vary is not None:
            response.headers["Vary"] = vary
        response.headers["X-After"] = "1"
    vary_on_cookie(made)
    vary_on_cookie(made)  # twice, as saving a session may
    expected.vary.add("Cookie")
    expected.vary.add("Cookie")
    assert made.headers.to_wsgi_list() == expected.headers.to_wsgi_list()


async def test_a_serializer_of_the_apps_own_without_a_dict_still_opens_sessions() -> None:
    class Slotted:
        """A get_signing_serializer answer of an app's own (no __dict__)."""

        __slots__ = ()

        def loads(self, value: str, max_age: int | None = None) -> Any:
            return {"from": value}

        def dumps(self, data: Any) -> str:
            return "signed"

    class Interface(SecureCookieSessionInterface):
        def get_signing_serializer(self, app: Any) -> Any:
            return Slotted()

    app = Quart(__name__)
    app.secret_key = "secret"
    app.session_interface = Interface()

    @app.route("/")
    async def index() -> Any:
        from quart import session

        session["n"] = 1
        return dict(session)

    response = await app.test_client().get("/", headers={"Cookie": "session=abc"})
    assert await response.get_json() == {"from": "abc", "n": 1}
    assert "session=signed" in response.headers["Set-Cookie"]
