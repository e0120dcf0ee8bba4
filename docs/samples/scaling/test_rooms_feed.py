from rooms_feed import app


async def test_websocket_gets_history_and_new_messages():
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await client.post("/rooms/lobby", data="first")
        async with client.websocket("/rooms/lobby") as ws:
            assert await ws.receive() == "first"  # replayed from history
            await client.post("/rooms/lobby", data="second")
            assert await ws.receive() == "second"


async def test_server_sent_events():
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await client.post("/rooms/news", data="hello")
        async with client.request("/rooms/news/events") as connection:
            received = b""
            while b"data: hello" not in received:
                received += await connection.receive()
            await connection.disconnect()
        assert b"event: chat" in received


def test_settings_are_plain_config():
    import redis_settings as settings

    assert settings.SESSION_TYPE == "redis"
