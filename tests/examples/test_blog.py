"""The blog example (examples/blog): pages, login, flashed messages, SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from examples.blog.app import create_app
from werkzeug.security import generate_password_hash

from quart import Quart
from quart.testing import QuartClient
from quart.wrappers import Response

# A cheap hash keeps the tests fast; the app's default (scrypt) is deliberately slow.
USERS = {"alice": generate_password_hash("wonderland", method="pbkdf2:sha256:1000")}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "blog.sqlite"


@pytest.fixture
def blog(database: Path) -> Quart:
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(database), "USERS": USERS}
    )


@pytest.fixture
async def blog_client(blog: Quart) -> AsyncIterator[QuartClient]:
    # Serving starts (before_serving creates the tables) and stops around each test.
    async with blog.test_app() as test_app:
        yield test_app.test_client()  # type: ignore[misc]


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


async def test_front_page_without_posts(blog_client: QuartClient) -> None:
    response = await blog_client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = await response.get_data(as_text=True)
    assert "<title>Posts · Quart blog</title>" in html  # the base layout, filled in
    assert "<h1>Posts</h1>" in html
    assert "No posts yet." in html
    assert '<a href="/auth/login">Log in</a>' in html
    assert "New post" not in html
    assert 'class="flashes"' not in html


async def test_writing_needs_login(blog_client: QuartClient) -> None:
    response = await blog_client.get("/create")
    assert response.status_code == 302
    assert location(response) == ("/auth/login", {"next": ["/create"]})

    # The reason shows on the login page, once.
    html = await page(blog_client, response.headers["Location"])
    assert '<li class="flash error">Please log in first.</li>' in html
    assert 'action="/auth/login?next=/create"' in html
    assert "Please log in first." not in await page(blog_client, "/auth/login")


async def test_posting_without_login_stores_nothing(
    blog_client: QuartClient, database: Path
) -> None:
    response = await blog_client.post("/create", form={"title": "Sneaky", "body": "Not allowed"})
    assert response.status_code == 302
    assert location(response)[0] == "/auth/login"
    assert "No posts yet." in await page(blog_client, "/")
    assert query(database, "SELECT COUNT(*) FROM post") == [(0,)]


async def test_login_form(blog_client: QuartClient) -> None:
    html = await page(blog_client, "/auth/login")
    assert "<title>Log in · Quart blog</title>" in html
    assert '<form method="post" action="/auth/login">' in html
    assert 'name="password" type="password"' in html


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("mallory", "wonderland")])
async def test_login_failure(blog_client: QuartClient, username: str, password: str) -> None:
    response = await login(blog_client, username, password)
    assert response.status_code == 401
    html = await response.get_data(as_text=True)
    assert '<li class="flash error">Invalid username or password.</li>' in html
    assert f'name="username" value="{username}"' in html  # the form keeps what was typed

    html = await page(blog_client, "/")
    assert "Invalid username or password." not in html
    assert "Logged in as" not in html
    assert (await blog_client.get("/create")).status_code == 302


async def test_login_success_flashes_on_the_next_page(blog_client: QuartClient) -> None:
    response = await login(blog_client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "HttpOnly" in response.headers["Set-Cookie"]

    html = await page(blog_client, "/")
    assert '<li class="flash info">Welcome back, alice!</li>' in html
    assert "Logged in as alice" in html
    assert '<a href="/create">New post</a>' in html

    # A flashed message is shown once only.
    html = await page(blog_client, "/")
    assert "Welcome back" not in html
    assert "Logged in as alice" in html


async def test_login_returns_to_the_page_asked_for(blog_client: QuartClient) -> None:
    response = await blog_client.get("/create", follow_redirects=True)
    assert "Please log in first." in await response.get_data(as_text=True)

    response = await login(blog_client, next="/create")
    assert response.status_code == 302
    assert response.headers["Location"] == "/create"
    html = await page(blog_client, "/create")
    assert "Welcome back, alice!" in html
    assert '<form method="post" action="/create">' in html


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
async def test_login_does_not_redirect_off_site(blog_client: QuartClient, target: str) -> None:
    response = await login(blog_client, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


async def test_publish_a_post(blog_client: QuartClient, database: Path) -> None:
    await login(blog_client)
    response = await blog_client.post(
        "/create", form={"title": "Hello <world>", "body": "First post & more."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/posts/1"

    html = await page(blog_client, "/posts/1")
    assert "<title>Hello &lt;world&gt; · Quart blog</title>" in html  # escaped, not markup
    assert "<h1>Hello &lt;world&gt;</h1>" in html
    assert "First post &amp; more." in html
    assert "by alice on " in html
    assert '<li class="flash info">Published “Hello &lt;world&gt;”.</li>' in html

    html = await page(blog_client, "/")
    assert '<a href="/posts/1">Hello &lt;world&gt;</a>' in html
    assert "No posts yet." not in html
    assert "Published" not in html

    rows = query(database, "SELECT author, title, body FROM post")
    assert rows == [("alice", "Hello <world>", "First post & more.")]


async def test_newest_post_first(blog_client: QuartClient) -> None:
    await login(blog_client)
    for title in ("First", "Second", "Third"):
        response = await blog_client.post("/create", form={"title": title, "body": "text"})
        assert response.status_code == 302
    html = await page(blog_client, "/")
    assert html.index(">Third<") < html.index(">Second<") < html.index(">First<")


async def test_incomplete_post_is_rejected(blog_client: QuartClient) -> None:
    await login(blog_client)
    await page(blog_client, "/")  # use up the welcome message
    response = await blog_client.post("/create", form={"title": "Only a title", "body": "  "})
    assert response.status_code == 400
    html = await response.get_data(as_text=True)
    assert '<li class="flash error">A post needs a title and some text.</li>' in html
    assert 'name="title" value="Only a title"' in html
    assert "No posts yet." in await page(blog_client, "/")


async def test_missing_post_is_404(blog_client: QuartClient) -> None:
    assert (await blog_client.get("/posts/99")).status_code == 404
    assert (await blog_client.get("/posts/not-a-number")).status_code == 404


async def test_logout(blog_client: QuartClient) -> None:
    await login(blog_client)
    await page(blog_client, "/")
    response = await blog_client.post("/auth/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    html = await page(blog_client, "/")
    assert '<li class="flash info">You have been logged out.</li>' in html
    assert "Logged in as" not in html
    assert (await blog_client.get("/create")).status_code == 302
    assert (await blog_client.get("/auth/logout")).status_code == 405


async def test_session_transaction_logs_in(blog_client: QuartClient) -> None:
    async with blog_client.session_transaction() as session:
        session["user"] = "bob"
    html = await page(blog_client, "/create")
    assert "Logged in as bob" in html


async def test_posts_survive_a_restart(blog: Quart, database: Path) -> None:
    async with blog.test_app() as test_app:
        client = test_app.test_client()
        await login(client)  # type: ignore[arg-type]
        await client.post("/create", form={"title": "Persistent", "body": "Still here"})

    restarted = create_app({"SECRET_KEY": "test", "DATABASE": str(database), "USERS": USERS})
    async with restarted.test_app() as test_app:
        html = await page(test_app.test_client(), "/posts/1")  # type: ignore[arg-type]
    assert "Still here" in html


def test_init_db_command(blog: Quart, database: Path) -> None:
    runner = blog.test_cli_runner()
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


def test_init_db_is_listed_in_help(blog: Quart) -> None:
    result = blog.test_cli_runner().invoke(args=["--help"])
    assert result.exit_code == 0, result.output
    assert "init-db" in result.output
