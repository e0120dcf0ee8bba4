from urllib.request import urlopen

import pytest
from quart.testing.pytest_plugin import LiveServer

from myapp import create_app


@pytest.fixture(scope="module")
def server():
    with LiveServer(create_app({"TESTING": True})) as server:
        yield server


@pytest.mark.parametrize("path", ["/", "/posts"])
def test_pages(server, path):
    with urlopen(server.url + path) as response:
        assert response.status == 200
