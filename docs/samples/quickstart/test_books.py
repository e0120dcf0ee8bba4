from books import app


async def test_index():
    client = app.test_client()
    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_data(as_text=True) == "Hello, World!"


async def test_book():
    client = app.test_client()
    response = await client.get("/books/1")
    assert await response.get_json() == {"id": 1, "title": "Dune"}
    response = await client.get("/books/3")
    assert response.status_code == 404


async def test_echo():
    client = app.test_client()
    response = await client.post("/echo", json={"a": 1})
    assert await response.get_json() == {"you_sent": {"a": 1}}


async def test_search():
    client = app.test_client()
    response = await client.get("/search", query_string={"q": "quart"})
    assert await response.get_json() == {"term": "quart"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_minimal():
    from minimal import app as minimal_app

    response = await minimal_app.test_client().get("/")
    assert await response.get_data(as_text=True) == "Hello, World!"
