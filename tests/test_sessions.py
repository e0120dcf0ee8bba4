from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from typing import Any

import pytest
from markupsafe import Markup
from werkzeug.http import parse_cookie

from quart import copy_current_request_context
from quart import flash
from quart import get_flashed_messages
from quart import Quart
from quart import render_template_string
from quart import session
from quart.sessions import NullSession
from quart.sessions import SecureCookieSession
from quart.sessions import SecureCookieSessionInterface
from quart.sessions import SessionInterface
from quart.sessions import SessionMixin
from quart.testing import QuartClient
from quart.wrappers import BaseRequestWebsocket
from quart.wrappers import Response


@pytest.fixture
def app() -> Quart:
    app = Quart(__name__)
    app.secret_key = "test secret"

    @app.route("/count")
    async def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/read")
    async def read() -> str:
        return repr(session.get("n"))

    @app.route("/contains")
    async def contains() -> str:
        return str("n" in session)

    @app.route("/untouched")
    async def untouched() -> str:
        return "ok"

    @app.route("/permanent")
    async def permanent() -> str:
        session.permanent = True
        session["n"] = 1
        return "ok"

    @app.route("/clear")
    async def clear() -> str:
        session.clear()
        return "ok"

    return app


def _set_cookies(response: Response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _vary(response: Response) -> list[str]:
    values = [v.strip() for header in response.headers.getlist("Vary") for v in header.split(",")]
    return [v for v in values if v]


def _cookie_value(response: Response, name: str = "session") -> str:
    for header in _set_cookies(response):
        cookies = parse_cookie(header.split(";", 1)[0])
        if name in cookies:
            return cookies[name]
    raise AssertionError(f"no {name} cookie in {_set_cookies(response)}")


async def _body(response: Response) -> str:
    return await response.get_data(as_text=True)  # type: ignore[return-value]


async def test_session_persists_across_requests(client: QuartClient) -> None:
    bodies = [await _body(await client.get("/count")) for _ in range(3)]
    assert bodies == ["1", "2", "3"]


async def test_untouched_session_sends_no_cookie_and_no_vary(client: QuartClient) -> None:
    await client.get("/count")
    response = await client.get("/untouched")
    assert _set_cookies(response) == []
    assert _vary(response) == []


async def test_reading_adds_one_vary_cookie_and_no_set_cookie(client: QuartClient) -> None:
    await client.get("/count")
    response = await client.get("/read")
    assert await _body(response) == "1"
    assert _vary(response) == ["Cookie"]
    assert _set_cookies(response) == []


async def test_membership_test_counts_as_access(client: QuartClient) -> None:
    response = await client.get("/contains")
    assert await _body(response) == "False"
    assert _vary(response) == ["Cookie"]


async def test_writing_adds_exactly_one_vary_cookie(app: Quart, client: QuartClient) -> None:
    @app.route("/vary")
    async def vary() -> Response:
        session["x"] = session.get("x", 0) + 1
        response = Response("ok")
        response.vary.add("Accept-Encoding")
        return response

    response = await client.get("/vary")
    assert _vary(response) == ["Accept-Encoding", "Cookie"]
    assert len(_set_cookies(response)) == 1


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "eyJuIjoxfQ.bad.signature",
        "",
        "....",
        "\u00e9\u00e8",
        "a" * 5000,
    ],
)
async def test_bad_cookie_gives_empty_session(client: QuartClient, value: str) -> None:
    response = await client.get("/read", headers={"Cookie": f"session={value}"})
    assert response.status_code == 200
    assert await _body(response) == "None"


async def test_tampered_and_truncated_cookies_give_empty_session(client: QuartClient) -> None:
    good = _cookie_value(await client.get("/count"))
    payload, rest = good.split(".", 1)
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + rest
    for value in (tampered, good[:-3], good.rsplit(".", 1)[0]):
        fresh = client.app.test_client(use_cookies=False)
        response = await fresh.get("/read", headers={"Cookie": f"session={value}"})
        assert response.status_code == 200
        assert await _body(response) == "None"


async def test_raw_invalid_cookie_bytes_are_not_an_error(
    app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    scope = http_scope("/read", headers=[(b"cookie", b"session=\xff\xfe\x00; other=\xc3")])
    response = await asgi_call(app, scope)
    assert response.status == 200
    assert response.body == b"None"


async def test_cookie_signed_with_another_key_is_ignored(app: Quart) -> None:
    other = Quart(__name__)
    other.secret_key = "some other key"

    @other.route("/set")
    async def set_() -> str:
        session["n"] = 42
        return "ok"

    value = _cookie_value(await other.test_client().get("/set"))
    response = await app.test_client().get("/read", headers={"Cookie": f"session={value}"})
    assert await _body(response) == "None"


async def test_expired_cookie_gives_empty_session(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sign the cookie 32 days in the past: older than the default 31 day lifetime,
    # which applies to every cookie, not only permanent ones.
    long_ago = time.time() - timedelta(days=32).total_seconds()
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: long_ago)
    await client.get("/count")
    monkeypatch.undo()
    response = await client.get("/read")
    assert response.status_code == 200
    assert await _body(response) == "None"


async def test_short_lifetime_is_enforced(
    app: Quart, client: QuartClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: an_hour_ago)
    await client.get("/count")
    monkeypatch.undo()
    assert await _body(await client.get("/read")) == "None"


async def test_permanent_session_cookie_expires_after_lifetime(
    app: Quart, client: QuartClient
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=2)
    response = await client.get("/permanent")
    header = _set_cookies(response)[0]
    expires_text = next(
        part.split("=", 1)[1] for part in header.split("; ") if part.startswith("Expires=")
    )
    expires = datetime.strptime(expires_text, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=2))) < timedelta(minutes=5)


async def test_browser_session_cookie_has_no_expiry(client: QuartClient) -> None:
    header = _set_cookies(await client.get("/count"))[0]
    assert "Expires" not in header
    assert "Max-Age" not in header


async def test_permanent_session_refreshed_each_request(client: QuartClient) -> None:
    await client.get("/permanent")
    response = await client.get("/untouched")
    assert len(_set_cookies(response)) == 1
    assert _vary(response) == ["Cookie"]


async def test_refresh_each_request_off(app: Quart, client: QuartClient) -> None:
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    await client.get("/permanent")
    assert _set_cookies(await client.get("/untouched")) == []
    assert _set_cookies(await client.get("/read")) == []


async def test_non_permanent_session_not_refreshed(client: QuartClient) -> None:
    await client.get("/count")
    assert _set_cookies(await client.get("/read")) == []


async def test_clearing_deletes_the_cookie(client: QuartClient) -> None:
    await client.get("/count")
    response = await client.get("/clear")
    header = _set_cookies(response)[0]
    assert header.startswith("session=;")
    assert "Max-Age=0" in header
    assert _vary(response) == ["Cookie"]
    assert await _body(await client.get("/read")) == "None"


async def test_cookie_settings(app: Quart, client: QuartClient) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    header = _set_cookies(await client.get("/count"))[0]
    parts = header.split("; ")
    assert parts[0].startswith("sid=")
    assert "Domain=example.com" in parts
    assert "Path=/app" in parts
    assert "HttpOnly" not in parts
    assert "Secure" in parts
    assert "SameSite=Lax" in parts
    assert "Partitioned" in parts


async def test_default_cookie_settings(client: QuartClient) -> None:
    parts = _set_cookies(await client.get("/count"))[0].split("; ")
    assert parts[0].startswith("session=")
    assert "HttpOnly" in parts
    assert "Path=/" in parts
    assert not any(
        p.startswith(("Domain", "SameSite")) or p in {"Secure", "Partitioned"} for p in parts
    )


async def test_cookie_path_falls_back_to_application_root(app: Quart, client: QuartClient) -> None:
    app.config["APPLICATION_ROOT"] = "/root"
    parts = _set_cookies(await client.get("/count"))[0].split("; ")
    assert "Path=/root" in parts


async def test_secret_key_fallbacks_read_but_never_sign(app: Quart) -> None:
    old = Quart(__name__)
    old.secret_key = "old key"

    @old.route("/set")
    async def set_() -> str:
        session["n"] = 5
        return "ok"

    @old.route("/read")
    async def old_read() -> str:
        return repr(session.get("n"))

    old_cookie = _cookie_value(await old.test_client().get("/set"))

    app.secret_key = "new key"
    app.config["SECRET_KEY_FALLBACKS"] = ["old key"]
    client = app.test_client()
    response = await client.get("/read", headers={"Cookie": f"session={old_cookie}"})
    assert await _body(response) == "5"

    # Re-signed cookies use the new key only: the old key cannot read them,
    # and an app that dropped the fallback still can.
    response = await client.get("/count", headers={"Cookie": f"session={old_cookie}"})
    new_cookie = _cookie_value(response)
    assert await _body(response) == "6"
    stale = await old.test_client().get("/read", headers={"Cookie": f"session={new_cookie}"})
    assert await _body(stale) == "None"
    app.config["SECRET_KEY_FALLBACKS"] = None
    fresh = await app.test_client().get("/read", headers={"Cookie": f"session={new_cookie}"})
    assert await _body(fresh) == "6"


async def test_keys_and_salt_changed_at_run_time_take_effect(app: Quart) -> None:
    # The serializer and the derived signing keys are kept between requests:
    # a changed key or salt must still sign and verify with the new one.
    client = app.test_client()
    first = _cookie_value(await client.get("/count"))
    read_first = {"Cookie": f"session={first}"}
    assert await _body(await client.get("/read", headers=read_first)) == "1"
    app.secret_key = "rotated"
    assert await _body(await client.get("/read", headers=read_first)) == "None"
    second = _cookie_value(await client.get("/count"))
    assert second != first
    assert await _body(await client.get("/read", headers={"Cookie": f"session={second}"})) == "1"
    app.secret_key = "test secret"
    assert await _body(await client.get("/read", headers=read_first)) == "1"

    class Salted(SecureCookieSessionInterface):
        salt = "another salt"

    app.session_interface = Salted()
    assert await _body(await client.get("/read", headers=read_first)) == "None"
    salted = _cookie_value(await client.get("/count"))
    assert await _body(await client.get("/read", headers={"Cookie": f"session={salted}"})) == "1"
    app.session_interface = SecureCookieSessionInterface()
    assert await _body(await client.get("/read", headers={"Cookie": f"session={salted}"})) == "None"


async def test_no_secret_key_reads_empty_null_session(app: Quart) -> None:
    app.secret_key = None
    client = app.test_client()
    response = await client.get("/read", headers={"Cookie": "session=anything"})
    assert response.status_code == 200
    assert await _body(response) == "None"
    assert _set_cookies(response) == []


async def test_no_secret_key_write_says_to_set_it(app: Quart) -> None:
    app.secret_key = None
    async with app.test_request_context("/"):
        assert isinstance(session._get_current_object(), NullSession)  # type: ignore[attr-defined]
        assert session.get("x") is None
        with pytest.raises(RuntimeError, match="secret key"):
            session["x"] = 1


async def test_no_secret_key_write_in_view_is_a_500(app: Quart) -> None:
    app.secret_key = None
    response = await app.test_client().get("/count")
    assert response.status_code == 500


async def test_tagged_json_round_trip(app: Quart, client: QuartClient) -> None:
    value_uuid = uuid.uuid4()
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    @app.route("/store")
    async def store() -> str:
        session.update(
            t=(1, 2), b=b"\x00\xff", d=moment, u=value_uuid, m=Markup("<b>x</b>"), n={"a": [1]}
        )
        return "ok"

    @app.route("/load")
    async def load() -> str:
        ok = (
            session["t"] == (1, 2)
            and session["b"] == b"\x00\xff"
            and session["d"] == moment
            and session["u"] == value_uuid
            and isinstance(session["m"], Markup)
            and session["n"] == {"a": [1]}
        )
        return str(ok)

    await client.get("/store")
    assert await _body(await client.get("/load")) == "True"


async def test_reads_cookies_written_by_flask(app: Quart, client: QuartClient) -> None:
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "test secret"

    @flask_app.route("/set")
    def set_() -> str:
        flask.session["n"] = 7
        return "ok"

    with flask_app.test_client() as flask_client:
        flask_response = flask_client.get("/set")
    value = parse_cookie(flask_response.headers["Set-Cookie"].split(";", 1)[0])["session"]
    response = await client.get("/read", headers={"Cookie": f"session={value}"})
    assert await _body(response) == "7"


async def test_task_in_copied_context_shares_the_session(app: Quart, client: QuartClient) -> None:
    @app.route("/task")
    async def task() -> str:
        @copy_current_request_context
        async def work() -> None:
            session["from_task"] = True

        await asyncio.gather(work())
        return "ok"

    @app.route("/check")
    async def check() -> str:
        return repr(session.get("from_task"))

    await client.get("/task")
    assert await _body(await client.get("/check")) == "True"


# -- laziness -------------------------------------------------------------


class _CountingInterface(SecureCookieSessionInterface):
    """Counts how often a cookie is verified (the expensive part)."""

    def __init__(self) -> None:
        self.opened = 0

    def get_signing_serializer(self, app: Quart) -> Any:
        self.opened += 1
        return super().get_signing_serializer(app)


async def test_no_session_work_without_access_or_cookie(app: Quart, client: QuartClient) -> None:
    interface = _CountingInterface()
    app.session_interface = interface
    await client.get("/untouched")
    await client.get("/untouched", headers={"Cookie": "other=1"})
    assert interface.opened == 0
    await client.get("/read")
    assert interface.opened == 1


# -- custom interfaces ------------------------------------------------------


class _Session(dict[str, Any], SessionMixin):
    pass


class _MemoryInterface(SessionInterface):
    """An async server-side store keyed by a cookie."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, Any]] = {}

    async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> _Session:
        await asyncio.sleep(0)
        sid = request.cookies.get("sid", "")
        return _Session(self.store.get(sid, {}))

    async def save_session(self, app: Quart, session: SessionMixin, response: Response) -> None:
        await asyncio.sleep(0)
        self.store["the-id"] = dict(session)
        response.set_cookie("sid", "the-id")


class _SyncInterface(SessionInterface):
    """Sync overrides (Flask style) are accepted."""

    def __init__(self) -> None:
        self.store: dict[str, Any] = {}
        self.saved = 0

    def open_session(self, app: Quart, request: BaseRequestWebsocket) -> _Session:  # type: ignore[override]
        return _Session(self.store)

    def save_session(  # type: ignore[override]
        self, app: Quart, session: SessionMixin, response: Response
    ) -> None:
        self.saved += 1
        self.store = dict(session)


@pytest.mark.parametrize("interface_class", [_MemoryInterface, _SyncInterface])
async def test_custom_session_interface(
    app: Quart, client: QuartClient, interface_class: type[SessionInterface]
) -> None:
    app.session_interface = interface_class()
    bodies = [await _body(await client.get("/count")) for _ in range(3)]
    assert bodies == ["1", "2", "3"]


async def test_custom_interface_returning_none_uses_null_session(app: Quart) -> None:
    class NoSession(SessionInterface):
        async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> None:
            return None

        async def save_session(self, app: Quart, session: SessionMixin, response: Response) -> None:
            raise AssertionError("null sessions are never saved")

    app.session_interface = NoSession()
    response = await app.test_client().get("/read")
    assert await _body(response) == "None"


async def test_sync_make_null_session_override(app: Quart) -> None:
    class Marked(NullSession):
        pass

    class Interface(SecureCookieSessionInterface):
        def make_null_session(self, app: Quart) -> Marked:  # type: ignore[override]
            return Marked()

    app.secret_key = None
    app.session_interface = Interface()

    @app.route("/kind")
    async def kind() -> str:
        return type(session._get_current_object()).__name__  # type: ignore[attr-defined]

    assert await _body(await app.test_client().get("/kind")) == "Marked"


async def test_custom_interface_session_usable_in_url_converter(app: Quart) -> None:
    from werkzeug.routing import BaseConverter

    class SessionConverter(BaseConverter):
        def to_python(self, value: str) -> str:
            return f"{value}:{session.get('who', 'nobody')}"

    app.url_map.converters["who"] = SessionConverter
    app.session_interface = _MemoryInterface()

    @app.route("/hello/<who:name>")
    async def hello(name: str) -> str:
        return name

    assert await _body(await app.test_client().get("/hello/x")) == "x:nobody"


# -- session_transaction ----------------------------------------------------


async def test_session_transaction_sets_values(client: QuartClient) -> None:
    async with client.session_transaction() as sess:
        sess["n"] = 41
    assert await _body(await client.get("/count")) == "42"


async def test_session_transaction_reads_values(client: QuartClient) -> None:
    await client.get("/count")
    await client.get("/count")
    async with client.session_transaction() as sess:
        assert sess["n"] == 2
        assert session["n"] == 2  # the proxy sees the same session


async def test_session_transaction_not_saved_on_error(client: QuartClient) -> None:
    await client.get("/count")
    with pytest.raises(ValueError):
        async with client.session_transaction() as sess:
            sess["n"] = 100
            raise ValueError("boom")
    assert await _body(await client.get("/read")) == "1"


async def test_session_transaction_clear(client: QuartClient) -> None:
    await client.get("/count")
    async with client.session_transaction() as sess:
        sess.clear()
    assert await _body(await client.get("/read")) == "None"


async def test_session_transaction_with_custom_interface(app: Quart, client: QuartClient) -> None:
    app.session_interface = _MemoryInterface()
    async with client.session_transaction() as sess:
        sess["n"] = 9
    assert await _body(await client.get("/count")) == "10"


async def test_session_transaction_needs_secret_key(app: Quart, client: QuartClient) -> None:
    app.secret_key = None
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        async with client.session_transaction():
            pass


async def test_session_transaction_needs_cookies(app: Quart) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(RuntimeError, match="use_cookies"):
        async with client.session_transaction():
            pass


async def test_session_transaction_honours_server_name(app: Quart) -> None:
    app.config["SERVER_NAME"] = "example.org"
    client = app.test_client()
    async with client.session_transaction() as sess:
        sess["n"] = 1
    assert await _body(await client.get("/read")) == "1"


def test_exported_session_classes() -> None:
    assert issubclass(SecureCookieSession, SessionMixin)
    assert issubclass(NullSession, SecureCookieSession)
    assert isinstance(Quart.session_interface, SecureCookieSessionInterface)


# -- flash ------------------------------------------------------------------


@pytest.fixture
def flash_app(app: Quart) -> Quart:
    @app.route("/flash")
    async def flash_view() -> str:
        await flash("plain")
        await flash("careful", "warning")
        await flash("broken", "error")
        return "ok"

    @app.route("/show")
    async def show() -> Any:
        return {"messages": get_flashed_messages()}

    @app.route("/show/categories")
    async def show_categories() -> Any:
        return {"messages": get_flashed_messages(with_categories=True)}

    @app.route("/show/errors")
    async def show_errors() -> Any:
        return {"messages": get_flashed_messages(category_filter=["error", "warning"])}

    return app


async def test_flash_then_show_once(flash_app: Quart) -> None:
    client = flash_app.test_client()
    await client.get("/flash")
    response = await client.get("/show")
    assert (await response.get_json())["messages"] == ["plain", "careful", "broken"]
    again = await client.get("/show")
    assert (await again.get_json())["messages"] == []


async def test_flash_with_categories(flash_app: Quart) -> None:
    client = flash_app.test_client()
    await client.get("/flash")
    response = await client.get("/show/categories")
    assert (await response.get_json())["messages"] == [
        ["message", "plain"],
        ["warning", "careful"],
        ["error", "broken"],
    ]


async def test_flash_category_filter_consumes_all(flash_app: Quart) -> None:
    client = flash_app.test_client()
    await client.get("/flash")
    response = await client.get("/show/errors")
    assert (await response.get_json())["messages"] == ["careful", "broken"]
    assert (await (await client.get("/show")).get_json())["messages"] == []


async def test_flashed_messages_stable_within_a_request(app: Quart) -> None:
    @app.route("/twice")
    async def twice() -> Any:
        first = get_flashed_messages()
        second = get_flashed_messages(with_categories=True)
        return {"first": first, "second": second}

    client = app.test_client()
    async with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "hello")]
    data = await (await client.get("/twice")).get_json()
    assert data == {"first": ["hello"], "second": [["info", "hello"]]}


async def test_flashed_messages_in_template(flash_app: Quart) -> None:
    @flash_app.route("/page")
    async def page() -> str:
        return await render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
            "{% endfor %}"
        )

    client = flash_app.test_client()
    await client.get("/flash")
    body = await _body(await client.get("/page"))
    assert body == "[message:plain][warning:careful][error:broken]"


async def test_flash_and_show_in_same_request(app: Quart) -> None:
    @app.route("/same")
    async def same() -> Any:
        await flash("now")
        return {"messages": get_flashed_messages()}

    client = app.test_client()
    assert (await (await client.get("/same")).get_json())["messages"] == ["now"]
    # Read in the request that flashed it: gone from the session.
    assert (await (await client.get("/same")).get_json())["messages"] == ["now"]


async def test_flash_without_secret_key_says_to_set_it(app: Quart) -> None:
    app.secret_key = None
    async with app.test_request_context("/"):
        assert get_flashed_messages() == []
        with pytest.raises(RuntimeError, match="secret key"):
            await flash("nope")


async def test_flash_outside_request_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="request"):
        await flash("nope")
    with pytest.raises(RuntimeError, match="request"):
        get_flashed_messages()


# -- websockets ---------------------------------------------------------------


async def test_websocket_reads_the_session(
    app: Quart, client: QuartClient, caplog: pytest.LogCaptureFixture
) -> None:
    from quart import websocket

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(repr(session.get("n")))
        session["ignored"] = True  # no response to carry it: not saved, warned
        await websocket.receive()

    @app.websocket("/read")
    async def read_only() -> None:
        await websocket.send(repr(session.get("n")))

    async with client.session_transaction() as sess:
        sess["n"] = 5
    async with client.websocket("/ws") as connection:
        assert await connection.receive() == "5"
        await connection.send("done")
    async with client.websocket("/read") as connection:
        assert await connection.receive() == "5"
    await asyncio.sleep(0.05)
    async with client.session_transaction() as sess:
        assert "ignored" not in sess
    warnings = [r for r in caplog.records if "accepted websocket" in r.getMessage()]
    assert len(warnings) == 1  # only for the websocket that changed it


async def test_a_server_side_interface_saves_websocket_sessions(app: Quart) -> None:
    from quart import websocket

    store: dict[str, Any] = {}
    saved: list[Any] = []

    class ServerSide(SessionInterface):
        async def open_session(self, app: Quart, request: BaseRequestWebsocket) -> Any:
            return SecureCookieSession(store)

        async def save_session(self, app: Quart, session: Any, response: Any) -> None:
            saved.append(response)
            store.update(session)

    app.session_interface = ServerSide()

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        session["seen"] = "yes"
        await websocket.send("ok")

    async with app.test_client().websocket("/ws") as connection:
        assert await connection.receive() == "ok"
    await asyncio.sleep(0.05)
    assert saved == [None]
    assert store == {"seen": "yes"}


async def test_a_mocked_session_interface_has_its_public_methods_called(app: Quart) -> None:
    # A common testing pattern (Quart's own tests use it): the framework must
    # drive the interface through its public methods only.
    from unittest.mock import AsyncMock

    interface = AsyncMock(spec=SessionInterface)
    interface.open_session.return_value = SecureCookieSession()
    interface.is_null_session.return_value = False
    app.session_interface = interface

    @app.route("/")
    async def index() -> str:
        session["a"] = "b"
        return ""

    await app.test_client().get("/")
    interface.open_session.assert_called()
    interface.save_session.assert_called()
