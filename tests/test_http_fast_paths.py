"""The request path's shortcuts (bench/NOTES.md, "HTTP path, session 4")
give way to what a subclass or an app overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from quart import Blueprint
from quart import Quart
from quart import request
from quart.wrappers import Request


async def test_request_subclass_blueprint_is_honoured_by_before_hooks() -> None:
    class InBlueprint(Request):
        @property
        def blueprint(self) -> str | None:
            return "bp"

    app = Quart(__name__)
    app.request_class = InBlueprint
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.before_request
    async def own() -> None:
        calls.append("own")

    @bp.before_request
    async def in_blueprint() -> None:
        calls.append("bp")

    app.register_blueprint(bp)

    @app.get("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/")
    assert response.status_code == 200
    # The endpoint is not in a blueprint, but the request class says it is.
    assert calls == ["own", "bp"]


async def test_request_subclass_is_json_is_honoured() -> None:
    class AlwaysJson(Request):
        @property
        def is_json(self) -> bool:
            return True

    app = Quart(__name__)
    app.request_class = AlwaysJson

    @app.post("/")
    async def echo() -> Any:
        return {"got": await request.get_json()}

    response = await app.test_client().post(
        "/", data=b'{"a": 1}', headers={"Content-Type": "text/plain"}
    )
    assert await response.get_json() == {"got": {"a": 1}}


async def test_ensure_async_override_is_called_for_hooks_and_views() -> None:
    seen: list[str] = []

    class Tracing(Quart):
        def ensure_async(self, func: Callable[..., Any]) -> Any:
            seen.append(getattr(func, "__name__", "?"))
            return super().ensure_async(func)

    app = Tracing(__name__)

    @app.before_request
    async def hook() -> None:
        return None

    @app.get("/")
    async def index() -> str:
        return "ok"

    client = app.test_client()
    for _ in range(2):  # the second request too (nothing cached past the override)
        seen.clear()
        response = await client.get("/")
        assert response.status_code == 200
        assert "hook" in seen
        assert "index" in seen


async def test_unhashable_view_and_hook() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __init__(self, answer: str | None) -> None:
            self.answer = answer
            self.__name__ = f"unhashable_{answer}"

        async def __call__(self) -> str | None:
            return self.answer

    app = Quart(__name__)
    app.before_request(Unhashable(None))
    app.add_url_rule("/", "index", Unhashable("ok"))

    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert await response.get_data() == b"ok"


async def test_inlined_werkzeug_init_sets_what_werkzeug_sets() -> None:
    # Request.__init__ and BaseRequestWebsocket.__init__ inline Werkzeug's
    # sans-IO __init__: a Werkzeug upgrade that sets a new attribute there
    # must show up here rather than as an AttributeError in a user's view.
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.request import Request as SansIORequest

    headers = Headers({"Host": "example.com", "X-Token": "t"})
    reference = SansIORequest(
        "get", "https", ("example.com", 443), "/root/", "//a/b", b"x=1", headers, "10.0.0.1"
    )
    app = Quart(__name__)
    scope: Any = {
        "type": "http",
        "client": ("10.0.0.1", 1234),
        "server": ("example.com", 443),
    }
    ours = app.request_class(
        "get", "https", "//a/b", b"x=1", headers, "/root/", "1.1", scope, send_push_promise=None
    )
    missing = set(vars(reference)) - set(vars(ours))
    assert not missing, f"Werkzeug's __init__ sets {missing}, the inlined copy does not"
    for name, value in vars(reference).items():
        assert getattr(ours, name) == value, name


def test_plain_push_is_decided_per_context_class() -> None:
    from quart.ctx import RequestContext
    from quart.ctx import WebsocketContext

    class OwnPush(RequestContext):
        async def push(self) -> None:
            await super().push()

    class OwnPop(RequestContext):
        async def pop(self, exc: BaseException | None = None) -> None:
            await super().pop(exc)

    class Plain(RequestContext):
        pass

    assert RequestContext._plain_push and WebsocketContext._plain_push and Plain._plain_push
    assert not OwnPush._plain_push and not OwnPop._plain_push


async def test_context_subclass_push_and_pop_are_honoured() -> None:
    from quart.ctx import RequestContext

    calls: list[str] = []

    class Traced(RequestContext):
        async def push(self) -> None:
            calls.append("push")
            await super().push()

        async def pop(self, exc: BaseException | None = None) -> None:
            calls.append("pop")
            await super().pop(exc)

    class App(Quart):
        def request_context(self, request: Request) -> RequestContext:
            return Traced(self, request)

    app = App(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/")
    assert response.status_code == 200
    assert calls == ["push", "pop"]


async def test_async_push_and_pop_work_still_runs_without_coroutines_otherwise() -> None:
    from quart import g
    from quart import signals
    from quart.sessions import SecureCookieSessionInterface
    from quart.sessions import SessionMixin

    app = Quart(__name__)
    app.secret_key = "k"
    seen: list[str] = []

    class OnPush(SecureCookieSessionInterface):
        async def open_session(self, app: Any, request: Any) -> SessionMixin | None:
            seen.append("open")
            return await super().open_session(app, request)

    async def pushed(sender: Any, **kwargs: Any) -> None:
        g.pushed = True
        seen.append("pushed")

    async def popped(sender: Any, **kwargs: Any) -> None:
        seen.append("popped")

    @app.get("/")
    async def index() -> str:
        return "pushed" if g.get("pushed") else "plain"

    client = app.test_client()
    assert await (await client.get("/")).get_data(as_text=True) == "plain"
    with signals.appcontext_pushed.connected_to(pushed, app):
        with signals.appcontext_popped.connected_to(popped, app):
            app.session_interface = OnPush()
            response = await client.get("/")
    assert await response.get_data(as_text=True) == "pushed"
    assert seen == ["pushed", "open", "popped"]
    seen.clear()

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        seen.append("teardown")

    await client.get("/")
    assert seen == ["open", "teardown"]


async def test_g_namespace_behaves_as_flasks() -> None:
    from flask.ctx import _AppCtxGlobals as FlaskGlobals

    from quart import g

    app = Quart(__name__)
    assert issubclass(app.app_ctx_globals_class, FlaskGlobals)
    async with app.app_context():
        g.user = "a"
        g.get = "shadowed"  # an attribute named like a method: in __dict__, as Flask's
        assert g.user == "a" and "user" in g and g.__dict__["get"] == "shadowed"
        assert sorted(g) == ["get", "user"]
        assert g.pop("user") == "a" and "user" not in g
        assert g.setdefault("n", 1) == 1
        del g.n
        assert getattr(g, "n", None) is None
        for ours, flasks in ((app.app_ctx_globals_class(), FlaskGlobals()),):
            ours.x = flasks.x = 1
            assert vars(ours) == vars(flasks) == {"x": 1}


async def test_request_class_with_its_own_new_is_built_through_it() -> None:
    built: list[str] = []

    class OwnNew(Request):
        def __new__(cls, *args: Any, **kwargs: Any) -> OwnNew:
            built.append("new")
            return super().__new__(cls)

    app = Quart(__name__)
    app.request_class = OwnNew

    @app.get("/")
    async def index() -> str:
        return type(request._get_current_object()).__name__  # type: ignore[attr-defined]

    response = await app.test_client().get("/")
    assert await response.get_data(as_text=True) == "OwnNew"
    assert built == ["new"]


async def test_body_with_content_type_dict_gives_the_updated_headers() -> None:
    import pytest

    from quart.wrappers import Response

    app = Quart(__name__)
    async with app.app_context():
        for body in ("Hello", b"Hello"):
            for headers in (
                {"Content-Type": "text/plain; charset=utf-8"},
                {"content-type": "text/plain"},
                {"Content-Type": "text/plain", "X-A": "1"},
            ):
                made = await app.make_response((body, headers))
                expected = Response(body)
                expected.headers.update(headers)
                assert list(made.headers.items()) == list(expected.headers.items())
                assert await made.get_data() == b"Hello"
        with pytest.raises(ValueError):
            await app.make_response(("x", {"Content-Type": "text/plain\r\nX-Evil: 1"}))
        with pytest.raises(ValueError):
            Response("x", content_type="text/plain\nX-Evil: 1")

    class Own(Response):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Own"] = "1"

    app.response_class = Own
    async with app.app_context():
        made = await app.make_response(("x", {"Content-Type": "text/plain"}))
        assert made.headers["X-Own"] == "1" and made.headers["Content-Type"] == "text/plain"


def test_plain_multidict_matches_werkzeugs_construction() -> None:
    from werkzeug.datastructures import ImmutableMultiDict
    from werkzeug.datastructures import MultiDict

    from quart.formparser import _plain_multidict
    from quart.formparser import _split_plain_pairs

    class Own(MultiDict[str, str]):
        def __init__(self, mapping: Any = None) -> None:
            super().__init__(mapping)
            self.seen = True

    for text in ("a=1&b=2&a=3", "a", "&&a=&=b&c==d&", "", "x=1"):
        for cls in (MultiDict, ImmutableMultiDict, Own):
            ours = _plain_multidict(cls, text)
            theirs = cls(_split_plain_pairs(text))
            assert type(ours) is cls
            assert list(ours.lists()) == list(theirs.lists())
            assert ours.to_dict() == theirs.to_dict()
        assert _plain_multidict(Own, text).seen  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "raw",
    [b"q=two+words", b"q=%41", b"q=plain&r=1", b"q=caf\xc3\xa9", b"q=+", b"a+b=%2B"],
)
async def test_args_and_form_decode_plus_and_escapes_alone(raw: bytes) -> None:
    # Each of "+", "%" and a non-ASCII byte alone sends the query string and
    # the form off the plain split; the answer is Werkzeug's either way.
    from urllib.parse import parse_qsl

    app = Quart(__name__)

    @app.post("/")
    async def echo() -> Any:
        form = await request.form
        return {"args": list(request.args.items(multi=True)), "form": list(form.items(multi=True))}

    client = app.test_client()
    response = await client.post(
        "/?" + raw.decode("ascii", "surrogateescape"),
        data=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    expected = [list(pair) for pair in parse_qsl(raw.decode(), keep_blank_values=True)]
    assert await response.get_json() == {"args": expected, "form": expected}
