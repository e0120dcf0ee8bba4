import asyncio
from io import BytesIO

from quart import Quart, request, session, websocket
from werkzeug.datastructures import FileStorage

app = Quart(__name__)
app.secret_key = "test"


@app.before_serving
async def load_posts():
    app.config["POSTS"] = ["First post"]


@app.route("/", methods=["GET", "POST"])
async def index():
    files = await request.files
    return {
        "args": request.args.to_dict(),
        "form": (await request.form).to_dict(),
        "json": await request.get_json(silent=True),
        "files": {name: file.filename for name, file in files.items()},
        "language": request.headers.get("Accept-Language"),
        "user": session.get("user_id"),
    }


@app.get("/posts")
async def posts():
    return {"posts": app.config["POSTS"]}


@app.post("/upload")
async def upload():
    size = 0
    async for chunk in request.body:
        size += len(chunk)
    return {"size": size}


@app.get("/events")
async def events():
    async def generate():
        while True:
            yield b"tick\n"
            await asyncio.sleep(0.01)

    return generate(), {"Content-Type": "text/plain"}


@app.websocket("/echo")
async def echo():
    await websocket.accept(subprotocol="json")
    while True:
        await websocket.send(await websocket.receive())


async def test_requests():
    client = app.test_client()
    response = await client.get("/", query_string={"q": "tea"})
    assert (await response.get_json())["args"] == {"q": "tea"}

    response = await client.post("/", json={"a": 1})  # a JSON body
    assert (await response.get_json())["json"] == {"a": 1}

    response = await client.post("/", form={"email": "a@b.c"})  # an urlencoded form
    assert (await response.get_json())["form"] == {"email": "a@b.c"}

    upload = FileStorage(BytesIO(b"hello"), filename="hello.txt")
    response = await client.post("/", files={"file": upload})  # multipart
    assert (await response.get_json())["files"] == {"file": "hello.txt"}

    response = await client.get("/", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert (await response.get_json())["language"] == "fr"


async def test_session():
    client = app.test_client()
    async with client.session_transaction() as sess:
        sess["user_id"] = 7
    response = await client.get("/")
    assert (await response.get_json())["user"] == 7


async def test_websocket():
    client = app.test_client()
    async with client.websocket("/echo", subprotocols=["json"]) as ws:
        await ws.send("hello")
        assert await ws.receive() == "hello"
        assert ws.subprotocol == "json"
        await ws.close(1000)  # or ws.disconnect(): the client vanishes (1006)


async def test_streaming():
    client = app.test_client()
    async with client.request("/upload", method="POST") as connection:
        await connection.send(b"first part")
        await connection.send(b"second part")
        await connection.send_complete()
        response = await connection.as_response()
    assert await response.get_json() == {"size": 21}

    async with client.request("/events") as connection:
        first = await connection.receive()  # one chunk, as soon as it is sent
        await connection.disconnect()  # the client goes away
    assert first == b"tick\n"


async def test_lifespan():
    async with app.test_app() as test_app:  # startup has run
        response = await test_app.test_client().get("/posts")
        assert await response.get_json() == {"posts": ["First post"]}
    # leaving the block ran shutdown, and waited for background tasks
