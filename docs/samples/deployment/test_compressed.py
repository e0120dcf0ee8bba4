import gzip
import json

from compressed import app


async def test_the_report_is_gzipped_for_a_client_that_asks():
    response = await app.test_client().get("/report", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    report = json.loads(gzip.decompress(await response.get_data()))
    assert len(report["rows"]) == 200


async def test_a_client_that_does_not_ask_gets_it_as_it_is():
    response = await app.test_client().get("/report")
    assert "Content-Encoding" not in response.headers
    assert len((await response.get_json())["rows"]) == 200
