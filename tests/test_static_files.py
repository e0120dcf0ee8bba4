"""The automatic static route, for apps and blueprints, and its path safety."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from quart import Blueprint
from quart import Quart
from quart import url_for

CSS = b"body { color: red; }\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_bytes(CSS)
    (static / "hello.txt").write_bytes(b"hello")
    (static / "sub").mkdir()
    (static / "sub" / "inner.txt").write_bytes(b"inner")
    # Files a traversal would reach if it escaped the static folder.
    (tmp_path / "secret.txt").write_bytes(b"top secret")
    (tmp_path / "app.py").write_bytes(b"SECRET_KEY = 'x'")
    return tmp_path


@pytest.fixture
def app(root: Path) -> Quart:
    return Quart(__name__, root_path=str(root))


async def test_static_file_is_served(app: Quart) -> None:
    response = await app.test_client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert await response.get_data() == CSS
    assert response.content_length == len(CSS)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.last_modified is not None
    assert response.get_etag()[0] is not None
    # SEND_FILE_MAX_AGE_DEFAULT: 12 hours.
    assert response.cache_control.max_age == 12 * 3600
    assert response.cache_control.public
    assert response.expires is not None


async def test_head_sends_headers_only(app: Quart) -> None:
    response = await app.test_client().head("/static/hello.txt")
    assert response.status_code == 200
    assert response.content_length == 5
    # As Quart's test client: the body the view produced (a server drops it).
    assert await response.get_data() == b"hello"


async def test_url_for_static(app: Quart) -> None:
    async with app.test_request_context("/"):
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


async def test_custom_static_url_path_and_folder(root: Path) -> None:
    (root / "public").mkdir()
    (root / "public" / "app.js").write_bytes(b"run()")
    app = Quart(__name__, root_path=str(root), static_folder="public", static_url_path="/assets")
    client = app.test_client()
    response = await client.get("/assets/app.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert await response.get_data() == b"run()"
    assert (await client.get("/static/app.js")).status_code == 404
    async with app.test_request_context("/"):
        assert url_for("static", filename="app.js") == "/assets/app.js"


async def test_no_static_folder_means_no_static_route(root: Path) -> None:
    app = Quart(__name__, root_path=str(root), static_folder=None)
    assert "static" not in app.view_functions
    assert (await app.test_client().get("/static/hello.txt")).status_code == 404


async def test_static_host(root: Path) -> None:
    app = Quart(__name__, root_path=str(root), host_matching=True, static_host="cdn.example.com")
    client = app.test_client()
    response = await client.get("/static/hello.txt", headers={"Host": "cdn.example.com"})
    assert response.status_code == 200
    assert await response.get_data() == b"hello"
    other = await client.get("/static/hello.txt", headers={"Host": "www.example.com"})
    assert other.status_code == 404


def test_static_host_needs_host_matching(root: Path) -> None:
    with pytest.raises(ValueError, match="static_host"):
        Quart(__name__, root_path=str(root), static_host="cdn.example.com")


async def test_blueprint_static_folder(app: Quart, root: Path) -> None:
    (root / "admin" / "static").mkdir(parents=True)
    (root / "admin" / "static" / "admin.css").write_bytes(b"h1 {}")
    bp = Blueprint(
        "admin",
        __name__,
        static_folder="static",
        static_url_path="/files",
        root_path=str(root / "admin"),
    )
    app.register_blueprint(bp, url_prefix="/admin")
    client = app.test_client()
    response = await client.get("/admin/files/admin.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert await response.get_data() == b"h1 {}"
    assert (await client.get("/admin/files/../../secret.txt")).status_code == 404
    # Doubled slashes are a plain 404, as on the app's static route.
    doubled = await client.get("/admin/files//etc/passwd")
    assert doubled.status_code == 404 and "Location" not in doubled.headers
    assert (await client.get("/admin/files//admin.css")).status_code == 404
    async with app.test_request_context("/"):
        assert url_for("admin.static", filename="admin.css") == "/admin/files/admin.css"


async def test_static_answers_conditional_and_range_requests(app: Quart) -> None:
    client = app.test_client()
    first = await client.get("/static/hello.txt")
    etag = first.headers["ETag"]
    not_modified = await client.get("/static/hello.txt", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert await not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == etag
    since = await client.get(
        "/static/hello.txt", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    partial = await client.get("/static/hello.txt", headers={"Range": "bytes=1-3"})
    assert partial.status_code == 206
    assert partial.headers["Content-Range"] == "bytes 1-3/5"
    assert await partial.get_data() == b"ell"


async def test_send_file_max_age_default_settings(app: Quart) -> None:
    client = app.test_client()
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    assert (await client.get("/static/hello.txt")).cache_control.max_age == 60
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(minutes=2)
    assert (await client.get("/static/hello.txt")).cache_control.max_age == 120
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None
    response = await client.get("/static/hello.txt")
    assert response.cache_control.no_cache
    assert response.cache_control.max_age is None
    assert response.expires is None


async def test_get_send_file_max_age_override(root: Path) -> None:
    class App(Quart):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            if filename is not None and filename.endswith(".css"):
                return 31536000
            return super().get_send_file_max_age(filename)

    app = App(__name__, root_path=str(root))
    client = app.test_client()
    assert (await client.get("/static/css/site.css")).cache_control.max_age == 31536000
    assert (await client.get("/static/hello.txt")).cache_control.max_age == 43200


# -- path safety ------------------------------------------------------------------

TRAVERSALS = [
    "/static/../secret.txt",
    "/static/../app.py",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/secret.txt",
    "/static/.%2e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/..%2Fsecret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static/sub/../../secret.txt",
    "/static/sub/%2e%2e/%2e%2e/secret.txt",
    "/static/css/../../secret.txt",
    "/static/..%252fsecret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/..\\secret.txt",
    "/static/..%5csecret.txt",
    "/static/sub\\..\\..\\secret.txt",
    "/static/%5c..%5c..%5csecret.txt",
    "/static/....//secret.txt",
    "/static/.../secret.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static/%2fetc%2fpasswd",
    "/static/%2F" + "etc/passwd",
    "/static//etc/passwd",
    "/static/C:\\Windows\\win.ini",
    "/static/C:/Windows/win.ini",
    "/static/c%3a%5cwindows%5cwin.ini",
    "/static/\\\\server\\share\\secret.txt",
    "/static/%5c%5cserver%5cshare",
    "/static/CON",
    "/static/NUL",
    "/static/nul.txt",
    "/static/AUX",
    "/static/COM1",
    "/static/LPT1.txt",
    "/static/CONIN$",
    "/static/hello.txt%00.css",
    "/static/hello.txt%00",
    "/static/" + "a" * 5000,
    "/static/hello.txt/",
    "/static/hello.txt/x",
    "/static/sub",
    "/static/sub/",
    "/static/css",
    "/static/.",
    "/static/./",
    "/static/..",
    "/static/%2e%2e",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_every_traversal_is_the_same_404_as_a_missing_file(app: Quart, path: str) -> None:
    client = app.test_client()
    missing = await client.get("/static/no-such-file.txt")
    assert missing.status_code == 404
    response = await client.get(path)
    assert response.status_code == 404
    assert await response.get_data() == await missing.get_data()
    assert response.headers.get("Content-Type") == missing.headers.get("Content-Type")


async def test_legitimate_names_near_the_traversal_rules_are_served(app: Quart, root: Path) -> None:
    (root / "static" / "..hidden").write_bytes(b"dots")
    (root / "static" / "a..b.txt").write_bytes(b"ab")
    client = app.test_client()
    assert await (await client.get("/static/..hidden")).get_data() == b"dots"
    assert await (await client.get("/static/a..b.txt")).get_data() == b"ab"
    assert await (await client.get("/static/sub/../hello.txt")).get_data() == b"hello"
    assert await (await client.get("/static/./hello.txt")).get_data() == b"hello"
