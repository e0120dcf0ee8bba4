"""The traceback page for errors escaping the app in debug or testing mode."""

from __future__ import annotations

import re

import pytest

from quart import Quart
from quart.debug import render_traceback
from quart.debug import traceback_response
from quart.testing import QuartClient


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def make_app() -> Quart:
    app = Quart(__name__)
    app.config["SECRET_KEY"] = "super-secret-value-123"

    @app.route("/boom")
    async def boom() -> str:
        user_input = "<b>bold</b>"
        config = app.config  # noqa: F841 (a local the page must hide)
        password = "hunter2" + "-password"  # noqa: F841 (source shows only the parts)
        broken = BrokenRepr()  # noqa: F841
        raise ValueError(f"bad value <script>alert(1)</script> {user_input}")

    @app.route("/chained")
    async def chained() -> str:
        try:
            {}["missing"]
        except KeyError as error:
            raise RuntimeError("lookup failed") from error
        return ""

    return app


async def get_page(app: Quart, path: str) -> tuple[int, str, str]:
    client: QuartClient = app.test_client()  # type: ignore[assignment]
    response = await client.get(path)
    return response.status_code, response.mimetype or "", await response.get_data(as_text=True)


@pytest.mark.parametrize("mode", ["testing", "debug"])
async def test_page_shows_error_frames_source_and_locals(mode: str) -> None:
    app = make_app()
    app.config["TESTING" if mode == "testing" else "DEBUG"] = True
    status, mimetype, page = await get_page(app, "/boom")
    assert status == 500
    assert mimetype == "text/html"
    assert "<h1>ValueError: bad value &lt;script&gt;" in page
    # The failing source line, highlighted, and the view's frame.
    assert re.search(r'class="line current">\s*\d+ +raise ValueError', page)
    assert "in boom</div>" in page
    assert "user_input</td>" in page and "&#39;&lt;b&gt;bold&lt;/b&gt;&#39;" in page


async def test_page_escapes_everything_and_is_self_contained() -> None:
    app = make_app()
    app.testing = True
    _, _, page = await get_page(app, "/boom")
    assert "<script>" not in page and "<b>bold" not in page
    assert "<style>" in page
    assert not re.search(r"<(link|script|img|iframe)\b", page)
    assert "src=" not in page and "href=" not in page


async def test_page_hides_config_and_secret_looking_locals() -> None:
    app = make_app()
    app.testing = True
    _, _, page = await get_page(app, "/boom")
    assert "super-secret-value-123" not in page
    assert "hunter2-password" not in page
    assert "&lt;hidden: the app config&gt;" in page
    assert "password</td>" in page


async def test_a_broken_repr_does_not_break_the_page() -> None:
    app = make_app()
    app.testing = True
    status, _, page = await get_page(app, "/boom")
    assert status == 500
    assert "repr() failed: RuntimeError" in page


async def test_chained_exceptions_oldest_first() -> None:
    app = make_app()
    app.testing = True
    _, _, page = await get_page(app, "/chained")
    cause = page.index("<h2>KeyError: &#39;missing&#39;</h2>")
    link = page.index("direct cause of")
    effect = page.index("<h2>RuntimeError: lookup failed</h2>")
    assert cause < link < effect


async def test_never_shown_outside_debug_and_testing(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    status, _, page = await get_page(app, "/boom")
    assert status == 500
    assert "Traceback" not in page
    assert "bad value" not in page
    assert "user_input" not in page
    assert any("Exception on request GET /boom" in r.getMessage() for r in caplog.records)


async def test_traceback_response_outside_a_context() -> None:
    try:
        raise KeyError("<k>")
    except KeyError as error:
        response = await traceback_response(error)
    assert response.status_code == 500
    assert "&lt;k&gt;" in await response.get_data(as_text=True)


def test_long_reprs_are_cut() -> None:
    def fail() -> None:
        big = "x" * 10_000  # noqa: F841 (shown in the page)
        raise RuntimeError("big")

    try:
        fail()
    except RuntimeError as error:
        page = render_traceback(error)
    assert "x" * 10_000 not in page
    assert "(10002 characters)" in page
