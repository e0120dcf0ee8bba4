from proxied import app


async def test_forwarded_headers_are_applied():
    response = await app.test_client().get(
        "/whoami",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "shop.example.com",
            "X-Forwarded-Prefix": "/api",
        },
    )
    assert await response.get_json() == {
        "client": "203.0.113.7",
        "url": "https://shop.example.com/api/whoami",
        "home": "https://shop.example.com/api/whoami",
    }
