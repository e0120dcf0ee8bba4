import pytest
from quart.testing import WebsocketResponseError

from rooms import TOKEN, app, departures


async def test_echo():
    client = app.test_client()
    async with client.websocket("/echo") as ws:
        await ws.send("hello")
        assert await ws.receive() == "hello"
        await ws.send(b"\x00\x01")
        assert await ws.receive() == b"\x00\x01"


async def test_private_refused():
    client = app.test_client()
    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket("/private") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 403


async def test_private_accepted():
    client = app.test_client()
    async with client.websocket(f"/private?token={TOKEN}", subprotocols=["json"]) as ws:
        assert await ws.receive_json() == {"hello": "friend"}
        assert ws.subprotocol == "json"


async def test_game_sees_the_close_code():
    client = app.test_client()
    async with client.websocket("/game") as ws:
        await ws.send_json({"to": "e4"})
        assert await ws.receive_json() == {"ok": {"to": "e4"}}
        await ws.close(1000)
    assert departures[-1] == 1000


async def test_lobby_gets_an_exception():
    client = app.test_client()
    async with client.websocket("/lobby") as ws:
        await ws.close(4000)
    assert departures[-1] == ("lobby", 4000, "")


async def test_chat_broadcasts():
    client = app.test_client()
    async with client.websocket("/chat") as ada, client.websocket("/chat") as bob:
        await ada.send("hi all")
        assert await ada.receive() == "hi all"
        assert await bob.receive() == "hi all"
