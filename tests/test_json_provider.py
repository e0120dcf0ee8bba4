"""The default JSON provider's shortcuts give exactly what Flask's path gives."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json as stdlib_json
import uuid
from typing import Any

import pytest
from flask.json.provider import _default

from quart import jsonify
from quart import Quart
from quart import request
from quart.json.provider import DefaultJSONProvider
from quart.testing import QuartClient


def _outcome(call: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args)
    except Exception as error:  # the exact error matters: compare type and text
        return "error", (type(error), str(error))


LOADS_CASES: list[str | bytes] = [
    b'{"a": 1, "b": [1, 2.5, null, true, false, "x"]}',
    b"[1, 2, 3]",
    b'{"a": 1}\n',
    b'{"a": 1} \t\r\n',
    b'{"a": 1} x',
    b'{"a": 1}{"b": 2}',
    b'{"a": 1}\x0b',
    b'{"a": ',
    b"{",
    b"[",
    b"{}",
    b"[]",
    b'{"caf\xc3\xa9": "\xe2\x82\xac"}',
    b'{"bad": "\xff"}',
    b'{"lone": "\\ud800"}',
    b'\xef\xbb\xbf{"bom": 1}',
    '{"utf16": 1}'.encode("utf-16"),
    '{"utf16le": 1}'.encode("utf-16-le"),
    '{"utf32": 1}'.encode("utf-32"),
    b'"text"',
    b"42",
    b"",
    b"  [1]",
    b'{"n": NaN, "i": Infinity}',
    b'{"big": 1' + b"0" * 5000 + b"}",
    '{"a": "é"}',
    "[1] ",
    "[1] x",
    "\ufeff[1]",
    "",
]


@pytest.mark.parametrize("document", LOADS_CASES)
def test_loads_matches_the_standard_library(document: str | bytes) -> None:
    provider = DefaultJSONProvider(Quart(__name__))
    assert _outcome(provider.loads, document) == _outcome(stdlib_json.loads, document)


def test_loads_passes_keyword_arguments_on() -> None:
    provider = DefaultJSONProvider(Quart(__name__))
    assert provider.loads(b'{"a": 1.5}', parse_float=decimal.Decimal) == {
        "a": decimal.Decimal("1.5")
    }


def test_loads_of_very_deep_nesting_raises_recursion_error() -> None:
    provider = DefaultJSONProvider(Quart(__name__))
    with pytest.raises(RecursionError):
        provider.loads(b"[" * 100_000 + b"]" * 100_000)


@dataclasses.dataclass
class Point:
    x: int
    y: int


DUMPS_CASES: list[Any] = [
    {"z": 1, "a": [1, 2.5, None, True, False], "m": {"y": "é", "b": "\u2603"}},
    [{"b": 1, "a": 2}, {"d": {"c": 3, "a": 4}}],
    "just text \u00e9",
    42,
    None,
    {"nan": float("nan"), "inf": float("inf")},
    {
        "date": datetime.date(2024, 1, 2),
        "uuid": uuid.UUID(int=1),
        "decimal": decimal.Decimal("1.5"),
        "point": Point(1, 2),
    },
    {"html": "<script>&'\"</script>"},
    {1: "int key", 2: "another"},
]


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("value", DUMPS_CASES)
async def test_response_body_matches_flask(value: Any, ensure_ascii: bool, sort_keys: bool) -> None:
    app = Quart(__name__)
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    app.json.sort_keys = sort_keys  # type: ignore[attr-defined]
    expected = stdlib_json.dumps(
        value,
        default=_default,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        separators=(",", ":"),
    )
    async with app.app_context():
        response = jsonify(value)
    assert await response.get_data(as_text=True) == expected + "\n"


async def test_unsortable_keys_raise_type_error_as_in_flask() -> None:
    app = Quart(__name__)
    async with app.app_context():
        with pytest.raises(TypeError):
            jsonify({1: "a", "b": 2})


async def test_a_circular_value_raises_flasks_error() -> None:
    app = Quart(__name__)
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop
    async with app.app_context():
        with pytest.raises(ValueError, match="Circular reference detected"):
            jsonify(loop)
        # The encoder is still good afterwards.
        assert await jsonify({"b": 1, "a": 2}).get_data(as_text=True) == '{"a":2,"b":1}\n'


async def test_a_circular_value_from_a_view_is_a_500(app: Quart, client: QuartClient) -> None:
    @app.route("/")
    async def index() -> Any:
        items: list[Any] = []
        items.append(items)
        return {"items": items}

    response = await client.get("/")
    assert response.status_code == 500


async def test_very_deep_nesting_raises_recursion_error() -> None:
    app = Quart(__name__)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    async with app.app_context():
        with pytest.raises(RecursionError):
            jsonify(deep)


async def test_settings_changed_between_responses_apply() -> None:
    app = Quart(__name__)
    async with app.app_context():
        assert await jsonify({"b": "é", "a": 1}).get_data(as_text=True) == (
            '{"a":1,"b":"\\u00e9"}\n'
        )
        app.json.sort_keys = False  # type: ignore[attr-defined]
        app.json.ensure_ascii = False  # type: ignore[attr-defined]
        assert await jsonify({"b": "é", "a": 1}).get_data(as_text=True) == '{"b":"é","a":1}\n'
        app.json.default = lambda value: "custom"  # type: ignore[attr-defined]
        assert await jsonify([object()]).get_data(as_text=True) == '["custom"]\n'


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"a": 1}\r\n', 200),
        (b'{"a": 1} x', 400),
        (b'{"a": 1}{"a": 2}', 400),
        (b'{"a": "\xff"}', 400),
        ('{"a": 1}'.encode("utf-16"), 200),
    ],
)
async def test_request_json_bodies(
    app: Quart, client: QuartClient, body: bytes, status: int
) -> None:
    @app.post("/")
    async def echo() -> Any:
        return {"got": await request.get_json()}

    response = await client.post("/", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    if status == 200:
        assert await response.get_json() == {"got": {"a": 1}}
