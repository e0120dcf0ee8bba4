"""Quart-WTF (the ``quart-wtforms`` distribution), used as its documentation shows.

Quart-WTF publishes no tests (neither its sdists nor its wheels carry them),
so ``tools/extension_suites.py`` runs these instead: written for this
repository, as a Quart user writes them, and run against Quart 0.22 as well
as against this package.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from quart_wtf import CSRFError
from quart_wtf import CSRFProtect
from quart_wtf import FileAllowed
from quart_wtf import FileField
from quart_wtf import QuartForm
from quart_wtf.utils import generate_csrf
from wtforms import StringField
from wtforms.validators import DataRequired

from quart import Blueprint
from quart import Quart
from quart import render_template_string
from quart.datastructures import FileStorage

PAGE = "<form method=post>{{ form.hidden_tag() }}{{ form.name() }}</form>"


class NameForm(QuartForm):
    """A form with one required field (CSRF on, as by default)."""

    name = StringField(validators=[DataRequired()])


class UploadForm(QuartForm):
    """A form with a text file field, CSRF off."""

    class Meta:
        """No CSRF: these tests are about the file field."""

        csrf = False

    document = FileField(validators=[FileAllowed(["txt"], "text files only")])


@pytest.fixture(name="app")
def _app() -> Quart:
    app = Quart(__name__)
    app.config.update(SECRET_KEY="a secret", TESTING=True)

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        form = await NameForm.create_form()
        if await form.validate_on_submit():
            return f"hello {form.name.data}"
        if form.errors:
            return f"errors: {sorted(form.errors)}", 400
        return await render_template_string(PAGE, form=form)

    return app


def token_of(page: str) -> str:
    """The CSRF token of a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match is not None, page
    return match.group(1)


async def test_form_round_trip_with_csrf(app: Quart) -> None:
    """GET renders the form and its token; POST with it validates."""
    client = app.test_client()
    page = await (await client.get("/")).get_data(as_text=True)
    token = token_of(page)
    response = await client.post("/", form={"csrf_token": token, "name": "Quart"})
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "hello Quart"


async def test_form_without_token_is_invalid(app: Quart) -> None:
    """The form's own CSRF check rejects a POST without the token."""
    response = await app.test_client().post("/", form={"name": "Quart"})
    assert response.status_code == 400
    assert "csrf_token" in await response.get_data(as_text=True)


async def test_form_missing_field(app: Quart) -> None:
    """A required field left empty is an error, and the token is accepted."""
    client = app.test_client()
    token = token_of(await (await client.get("/")).get_data(as_text=True))
    response = await client.post("/", form={"csrf_token": token})
    assert response.status_code == 400
    assert await response.get_data(as_text=True) == "errors: ['name']"


async def test_form_from_json(app: Quart) -> None:
    """A JSON body populates the form too."""

    @app.post("/json")
    async def from_json() -> str:
        form = await NameForm.create_form(meta={"csrf": False})
        assert await form.validate()
        return str(form.name.data)

    response = await app.test_client().post("/json", json={"name": "json"})
    assert await response.get_data(as_text=True) == "json"


async def test_file_field(app: Quart) -> None:
    """An uploaded file reaches the form; the extension check applies."""

    @app.post("/upload")
    async def upload() -> tuple[str, int]:
        form = await UploadForm.create_form()
        if await form.validate():
            return form.document.data.filename, 200
        return form.document.errors[0], 400

    client = app.test_client()
    text = FileStorage(BytesIO(b"hello"), filename="notes.txt", name="document")
    response = await client.post("/upload", files={"document": text})
    assert (response.status_code, await response.get_data(as_text=True)) == (200, "notes.txt")

    image = FileStorage(BytesIO(b"\x89PNG"), filename="logo.png", name="document")
    response = await client.post("/upload", files={"document": image})
    assert (response.status_code, await response.get_data(as_text=True)) == (
        400,
        "text files only",
    )


@pytest.fixture(name="protected")
def _protected() -> tuple[Quart, CSRFProtect]:
    app = Quart(__name__)
    app.config.update(SECRET_KEY="a secret", TESTING=True)
    csrf = CSRFProtect(app)

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return await render_template_string("{{ csrf_token() }}")

    return app, csrf


async def test_protect_rejects_post_without_token(protected: tuple[Quart, CSRFProtect]) -> None:
    """CSRFProtect answers 400 with the reason."""
    app, _ = protected
    response = await app.test_client().post("/")
    assert response.status_code == 400
    assert "The CSRF token is missing." in await response.get_data(as_text=True)


async def test_protect_accepts_token_in_form_and_header(
    protected: tuple[Quart, CSRFProtect],
) -> None:
    """The token is taken from the form field or from the X-CSRFToken header."""
    app, _ = protected
    client = app.test_client()
    token = await (await client.get("/")).get_data(as_text=True)
    assert (await client.post("/", form={"csrf_token": token})).status_code == 200
    assert (await client.post("/", headers={"X-CSRFToken": token})).status_code == 200
    assert (await client.post("/", form={"csrf_token": "forged"})).status_code == 400


async def test_protect_https_needs_matching_referrer(
    protected: tuple[Quart, CSRFProtect],
) -> None:
    """Over HTTPS the Referer must be the same origin."""
    app, _ = protected
    client = app.test_client()
    token = await (await client.get("/")).get_data(as_text=True)
    headers = {"X-CSRFToken": token}
    response = await client.post("/", headers=headers, scheme="https")
    assert "The referrer header is missing." in await response.get_data(as_text=True)
    response = await client.post(
        "/", headers={**headers, "Referer": "https://other.example/"}, scheme="https"
    )
    assert "The referrer does not match the host." in await response.get_data(as_text=True)
    response = await client.post(
        "/", headers={**headers, "Referer": "https://localhost/"}, scheme="https"
    )
    assert response.status_code == 200


async def test_exempt_view_and_blueprint(protected: tuple[Quart, CSRFProtect]) -> None:
    """Exempt views and blueprints are not checked."""
    app, csrf = protected

    @app.post("/hook")
    @csrf.exempt
    async def hook() -> str:
        return "hooked"

    api = Blueprint("api", __name__, url_prefix="/api")

    @api.post("/ping")
    async def ping() -> str:
        return "pong"

    csrf.exempt(api)
    app.register_blueprint(api)
    client = app.test_client()
    assert await (await client.post("/hook")).get_data(as_text=True) == "hooked"
    assert await (await client.post("/api/ping")).get_data(as_text=True) == "pong"


async def test_csrf_error_handler(protected: tuple[Quart, CSRFProtect]) -> None:
    """An error handler for CSRFError shapes the response."""
    app, _ = protected

    @app.errorhandler(CSRFError)
    async def on_csrf(error: CSRFError) -> tuple[dict[str, str], int]:
        return {"error": str(error.description)}, 419

    response = await app.test_client().post("/")
    assert response.status_code == 419
    assert await response.get_json() == {"error": "The CSRF token is missing."}


async def test_token_is_kept_in_the_session(protected: tuple[Quart, CSRFProtect]) -> None:
    """One token per session: two requests of a client see the same one."""
    app, _ = protected
    client = app.test_client()
    first = await (await client.get("/")).get_data(as_text=True)
    second = await (await client.get("/")).get_data(as_text=True)
    assert first == second
    async with app.test_request_context("/"):
        assert generate_csrf() != first
