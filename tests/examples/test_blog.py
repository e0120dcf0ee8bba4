"""The blog example (examples/blog): pages, login, flashed messages, SQLite."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from examples.blog.app import create_app
from werkzeug.security import generate_password_hash

from quart import Quart
from quart import testing
from quart.testing import QuartClient
from quart.testing import QuartCliRunner
from quart.wrappers import Response

# A cheap hash keeps the tests fast; the app's default (scrypt) is deliberately slow.
USERS = {"alice": generate_password_hash("wonderland", method="pbkdf2:sha256:1000")}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "blog.sqlite"


@pytest.fixture
def app(database: Path) -> Quart:
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(database), "USERS": USERS}
    )


@pytest.fixture
def client(test_app: testing.TestApp) -> QuartClient:
    # The plugin's test_app: serving starts (before_serving creates the
    # tables) and stops around each test.
    return test_app.test_client()  # type: ignore[return-value]


async def login(
    client: QuartClient, username: str = "alice", password: str = "wonderland", next: str = ""
) -> Response:
    form = {"username": username, "password": password}
    return await client.post(
        "/auth/login", form=form, query_string={"next": next} if next else None
    )


async def page(client: QuartClient, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return await response.get_data(as_text=True)


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    """Run ``sql`` on the blog's database file directly (and close it)."""
    with closing(sqlite3.connect(database)) as connection, connection:
        return connection.execute(sql).fetchall()


def location(response: Response) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query)


async def test_front_page_without_posts(client: QuartClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = await response.get_data(as_text=True)
    assert "<title>Posts · Quart blog</title>" in html  # the base layout, filled in
    assert "<h1>Posts</h1>" in html
    assert "No posts yet." in html
    assert '<a href="/auth/login">Log in</a>' in html
    assert "New post" not in html
    assert 'class="flashes"' not in html


async def test_writing_needs_login(client: QuartClient) -> None:
    response = await client.get("/create")
    assert response.status_code == 302
    assert location(response) == ("/auth/login", {"next": ["/create"]})

    # The reason shows on the login page, once.
    html = await page(client, response.headers["Location"])
    assert '<li class="flash error">Please log in first.</li>' in html
    assert 'action="/auth/login?next=/create"' in html
    assert "Please log in first." not in await page(client, "/auth/login")


async def test_posting_without_login_stores_nothing(client: QuartClient, database: Path) -> None:
    response = await client.post("/create", form={"title": "Sneaky", "body": "Not allowed"})
    assert response.status_code == 302
    assert location(response)[0] == "/auth/login"
    assert "No posts yet." in await page(client, "/")
    assert query(database, "SELECT COUNT(*) FROM post") == [(0,)]


async def test_login_form(client: QuartClient) -> None:
    html = await page(client, "/auth/login")
    assert "<title>Log in · Quart blog</title>" in html
    assert '<form method="post" action="/auth/login">' in html
    assert 'name="password" type="password"' in html


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("mallory", "wonderland")])
async def test_login_failure(client: QuartClient, username: str, password: str) -> None:
    response = await login(client, username, password)
    assert response.status_code == 401
    html = await response.get_data(as_text=True)
    assert '<li class="flash error">Invalid username or password.</li>' in html
    assert f'name="username" value="{username}"' in html  # the form keeps what was typed

    html = await page(client, "/")
    assert "Invalid username or password." not in html
    assert "Logged in as" not in html
    assert (await client.get("/create")).status_code == 302


@pytest.mark.quart_config(USERS={"bob": generate_password_hash("builder", "pbkdf2:sha256:1000")})
async def test_users_come_from_the_config(client: QuartClient) -> None:
    assert (await login(client)).status_code == 401  # alice is not in this config
    response = await login(client, "bob", "builder")
    assert response.status_code == 302
    assert "Welcome back, bob!" in await page(client, "/")


async def test_login_success_flashes_on_the_next_page(client: QuartClient) -> None:
    response = await login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "HttpOnly" in response.headers["Set-Cookie"]

    html = await page(client, "/")
    assert '<li class="flash info">Welcome back, alice!</li>' in html
    assert "Logged in as alice" in html
    assert '<a href="/create">New post</a>' in html

    # A flashed message is shown once only.
    html = await page(client, "/")
    assert "Welcome back" not in html
    assert "Logged in as alice" in html


async def test_login_returns_to_the_page_asked_for(client: QuartClient) -> None:
    response = await client.get("/create", follow_redirects=True)
    assert "Please log in first." in await response.get_data(as_text=True)

    response = await login(client, next="/create")
    assert response.status_code == 302
    assert response.headers["Location"] == "/create"
    html = await page(client, "/create")
    assert "Welcome back, alice!" in html
    assert '<form method="post" action="/create">' in html


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
async def test_login_does_not_redirect_off_site(client: QuartClient, target: str) -> None:
    response = await login(client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


async def test_publish_a_post(client: QuartClient, database: Path) -> None:
    await login(client)
    response = await client.post(
        "/create", form={"title": "Hello <world>", "body": "First post & more."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/posts/1"

    html = await page(client, "/posts/1")
    assert "<title>Hello &lt;world&gt; · Quart blog</title>" in html  # escaped, not markup
    assert "<h1>Hello &lt;world&gt;</h1>" in html
    assert "First post &amp; more." in html
    assert "by alice on " in html
    assert '<li class="flash info">Published “Hello &lt;world&gt;”.</li>' in html

    html = await page(client, "/")
    assert '<a href="/posts/1">Hello &lt;world&gt;</a>' in html
    assert "No posts yet." not in html
    assert "Published" not in html

    rows = query(database, "SELECT author, title, body FROM post")
    assert rows == [("alice", "Hello <world>", "First post & more.")]


async def test_newest_post_first(client: QuartClient) -> None:
    await login(client)
    for title in ("First", "Second", "Third"):
        response = await client.post("/create", form={"title": title, "body": "text"})
        assert response.status_code == 302
    html = await page(client, "/")
    assert html.index(">Third<") < html.index(">Second<") < html.index(">First<")


async def test_incomplete_post_is_rejected(client: QuartClient) -> None:
    await login(client)
    await page(client, "/")  # use up the welcome message
    response = await client.post("/create", form={"title": "Only a title", "body": "  "})
    assert response.status_code == 400
    html = await response.get_data(as_text=True)
    assert '<li class="flash error">A post needs a title and some text.</li>' in html
    assert 'name="title" value="Only a title"' in html
    assert "No posts yet." in await page(client, "/")


async def test_missing_post_is_404(client: QuartClient) -> None:
    assert (await client.get("/posts/99")).status_code == 404
    assert (await client.get("/posts/not-a-number")).status_code == 404


async def test_logout(client: QuartClient) -> None:
    await login(client)
    await page(client, "/")
    response = await client.post("/auth/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    html = await page(client, "/")
    assert '<li class="flash info">You have been logged out.</li>' in html
    assert "Logged in as" not in html
    assert (await client.get("/create")).status_code == 302
    assert (await client.get("/auth/logout")).status_code == 405


async def test_session_transaction_logs_in(client: QuartClient) -> None:
    async with client.session_transaction() as session:
        session["user"] = "bob"
    html = await page(client, "/create")
    assert "Logged in as bob" in html


async def test_posts_survive_a_restart(app: Quart, database: Path) -> None:
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await login(client)  # type: ignore[arg-type]
        await client.post("/create", form={"title": "Persistent", "body": "Still here"})

    restarted = create_app({"SECRET_KEY": "test", "DATABASE": str(database), "USERS": USERS})
    async with restarted.test_app() as test_app:
        html = await page(test_app.test_client(), "/posts/1")  # type: ignore[arg-type]
    assert "Still here" in html


def test_init_db_command(runner: QuartCliRunner, database: Path) -> None:
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialised the database." in result.output
    query(database, "INSERT INTO post (author, title, body) VALUES ('a', 'b', 'c')")

    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert query(database, "SELECT COUNT(*) FROM post") == [(1,)]

    result = runner.invoke(args=["init-db", "--reset"])
    assert result.exit_code == 0, result.output
    assert "Reset the database." in result.output
    assert query(database, "SELECT COUNT(*) FROM post") == [(0,)]


def test_init_db_is_listed_in_help(runner: QuartCliRunner) -> None:
    result = runner.invoke(args=["--help"])
    assert result.exit_code == 0, result.output
    assert "init-db" in result.output
