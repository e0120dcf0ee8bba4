"""The todos API example (examples/api), driven as a client would."""

from __future__ import annotations

import pytest
from examples.api.app import create_app

from quart import Quart
from quart.testing import QuartClient


@pytest.fixture
def app() -> Quart:
    # The plugin's `client` fixture builds on this.
    return create_app()


async def test_starts_empty(client: QuartClient) -> None:
    response = await client.get("/todos")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert await response.get_json() == {"todos": []}


async def test_create_then_list_and_get(client: QuartClient) -> None:
    response = await client.post("/todos", json={"title": "Buy milk"})
    assert response.status_code == 201
    created = await response.get_json()
    assert created == {"id": 1, "title": "Buy milk", "done": False}
    assert response.headers["Location"] == "/todos/1"

    response = await client.post("/todos", json={"title": "Walk the dog", "done": True})
    assert response.status_code == 201
    assert (await response.get_json())["id"] == 2

    response = await client.get("/todos")
    assert await response.get_json() == {
        "todos": [
            {"id": 1, "title": "Buy milk", "done": False},
            {"id": 2, "title": "Walk the dog", "done": True},
        ]
    }

    response = await client.get("/todos/1")
    assert response.status_code == 200
    assert await response.get_json() == created


async def test_get_missing_is_404_json(client: QuartClient) -> None:
    response = await client.get("/todos/42")
    assert response.status_code == 404
    assert await response.get_json() == {"error": "todo 42 not found"}


async def test_delete(client: QuartClient) -> None:
    await client.post("/todos", json={"title": "Temporary"})

    response = await client.delete("/todos/1")
    assert response.status_code == 204
    assert await response.get_data() == b""

    assert (await client.get("/todos/1")).status_code == 404
    assert await (await client.get("/todos")).get_json() == {"todos": []}

    response = await client.delete("/todos/1")
    assert response.status_code == 404
    assert await response.get_json() == {"error": "todo 1 not found"}


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": 7}, {"title": "x" * 201}, {"title": "ok", "done": "maybe"}],
)
async def test_invalid_todo_is_400(client: QuartClient, body: dict[str, object]) -> None:
    response = await client.post("/todos", json=body)
    assert response.status_code == 400
    assert "error" in await response.get_json()
    assert await (await client.get("/todos")).get_json() == {"todos": []}


async def test_form_body_is_400(client: QuartClient) -> None:
    response = await client.post("/todos", form={"title": "Buy milk"})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert "error" in await response.get_json()


async def test_malformed_json_is_400_json(client: QuartClient) -> None:
    response = await client.post(
        "/todos", data='{"title": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert (await response.get_json())["error"]


async def test_unknown_url_is_404_json(client: QuartClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert (await response.get_json())["error"].startswith("The requested URL was not found")


async def test_wrong_method_is_405_json(client: QuartClient) -> None:
    response = await client.put("/todos/1", json={"title": "x"})
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert "error" in await response.get_json()
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "DELETE"}


async def test_each_app_has_its_own_store() -> None:
    first, second = create_app().test_client(), create_app().test_client()
    await first.post("/todos", json={"title": "only in the first"})
    assert await (await second.get("/todos")).get_json() == {"todos": []}


async def test_openapi_document(client: QuartClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = await response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"] == {"title": "Todos API", "version": "1.0.0"}
    paths = document["paths"]
    assert set(paths) == {"/todos", "/todos/{todo_id}"}
    assert set(paths["/todos"]) == {"get", "post"}
    assert set(paths["/todos/{todo_id}"]) == {"get", "delete"}
    create = paths["/todos"]["post"]
    assert create["summary"] == "Create a todo."
    request_schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["title"] == "TodoIn"
    assert request_schema["required"] == ["title"]
    response_schema = create["responses"]["201"]["content"]["application/json"]["schema"]
    assert response_schema["title"] == "Todo"
    assert set(paths["/todos/{todo_id}"]["get"]["responses"]) == {"200", "404"}
    parameters = paths["/todos/{todo_id}"]["get"]["parameters"]
    assert parameters[0]["name"] == "todo_id"
    assert parameters[0]["schema"] == {"type": "integer"}


async def test_docs_page(client: QuartClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/openapi.json" in (await response.get_data(as_text=True))
