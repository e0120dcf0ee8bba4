from urllib.request import urlopen

import pytest
from quart import current_app


async def test_index(client):
    response = await client.get("/")
    assert response.status_code == 200


async def test_posts_after_startup(test_app):
    # before_serving has run: the posts are loaded.
    response = await test_app.test_client().get("/posts")
    assert await response.get_json() == {"posts": ["First post"]}


@pytest.mark.quart_config(MAX_CONTENT_LENGTH=10)
async def test_small_uploads_only(client):
    response = await client.post("/upload", data=b"x" * 100)
    assert response.status_code == 413


async def test_config(app_ctx):
    assert current_app.config["TESTING"] is True


async def test_websocket(client):
    async with client.websocket("/ws") as ws:
        await ws.send("ping")
        assert await ws.receive() == "ping"


async def test_form_and_session(app):
    client = app.test_client()
    async with client.session_transaction() as session:
        session["user"] = "ada"
    response = await client.post("/upload", form={"name": "ada"})
    assert await response.get_json() == {"size": len("name=ada")}


def test_init_db_command(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "Initialised" in result.output


def test_over_real_http(live_server):
    with urlopen(live_server.url + "/") as response:
        assert response.status == 200
        assert response.read() == b"Home"
