"""Property-based tests of static files and ``send_from_directory``.

Any generated path (dot segments, percent-encodings, separators, NUL, device
names, long names) either names a file inside the root, and that file is
sent, or gives 404; a file outside the root is never sent.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote_to_bytes

import pytest
from asgi_harness import _asgi_call
from asgi_harness import _make_http_scope
from hypothesis import event
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound

from quart import Quart
from quart import send_from_directory

SECRET = b"outside the root"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("site")
    (base / "secret.txt").write_bytes(SECRET)
    root = base / "static"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"file a")
    (root / "sub" / "b.txt").write_bytes(b"file b")
    (root / "..txt").write_bytes(b"dots")
    (root / "sub" / "%2e%2e").write_bytes(b"percent name")
    inside = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }
    app = Quart(__name__, static_folder=str(root))

    @app.get("/files/<path:name>")
    async def files(name: str) -> Any:
        return await send_from_directory(root, name)

    return {"root": root, "inside": inside, "app": app}


_SEGMENTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "a.txt",
        "sub",
        "b.txt",
        "secret.txt",
        "static",
        "..txt",
        "%2e%2e",
        "%2E%2e",
        "%2f",
        "%5c",
        "%00",
        "\\",
        "\\..",
        "..\\secret.txt",
        "\x00",
        "CON",
        "NUL",
        "aux.txt",
        "COM1",
        "C:",
        "C:\\",
        "~",
        "a" * 300,
        "é",
        "/",
        "//",
        "a.txt/",
        " ",
        "..%2f",
        "%2e%2e%2fsecret.txt",
        "\udcff",
    ]
)
# Paths that mostly name real files, so both outcomes are tried often.
_NEAR_MISSES = st.lists(
    st.sampled_from(["a.txt", "sub", "b.txt", ".", "..txt", "%2e%2e", "..", "", "secret.txt"]),
    min_size=1,
    max_size=4,
)
_PATHS = st.one_of(
    st.lists(_SEGMENTS, min_size=1, max_size=6), _NEAR_MISSES, _NEAR_MISSES, _NEAR_MISSES
).map("/".join)


def _check(site: dict[str, Any], status: int, body: bytes) -> None:
    event(f"status {status}")
    assert body != SECRET
    assert status in {200, 404}, (status, body)
    if status == 200:
        assert body in site["inside"].values()


@given(path=_PATHS)
@example(path="../secret.txt")
@example(path="sub/../../secret.txt")
@example(path="/" + "..")
@example(path="sub/./b.txt")
@example(path="sub/%2e%2e")
@example(path="..txt")
async def test_send_from_directory_stays_inside_the_root(site: dict[str, Any], path: str) -> None:
    async with site["app"].app_context():
        try:
            response = await send_from_directory(site["root"], path)
        except NotFound:
            event("NotFound")
            return
        body = await response.get_data()
    _check(site, response.status_code, body)
    # What was sent is the file the path names, inside the root.
    assert site["inside"].get(posixpath.normpath(path)) == body


def _encodings(path: str) -> st.SearchStrategy[bytes]:
    raw = path.encode("utf-8", "surrogateescape")
    return st.sampled_from(
        [
            raw,
            quote(raw, safe="/").encode("ascii"),
            quote(raw, safe="").encode("ascii"),
            quote(raw, safe="/%").encode("ascii"),
        ]
    )


@given(data=st.data(), path=_PATHS, prefix=st.sampled_from(["/static/", "/files/"]))
@example(data=None, path="..%2fsecret.txt", prefix="/static/")
@example(data=None, path="sub/b.txt", prefix="/files/")
@example(data=None, path="a.txt", prefix="/static/")
async def test_any_url_path_serves_a_file_inside_the_root_or_404(
    site: dict[str, Any], data: Any, path: str, prefix: str
) -> None:
    raw = path.encode("utf-8", "surrogateescape") if data is None else data.draw(_encodings(path))
    # The server decodes the raw path into the ASGI path (as UTF-8, invalid
    # bytes kept as they are).
    decoded = unquote_to_bytes(raw).decode("utf-8", "surrogateescape")
    scope = _make_http_scope(prefix + decoded, raw_path=prefix.encode() + raw)
    response = await _asgi_call(site["app"], scope)
    # A redirect (to the path with a slash merged away) is fine too: it is
    # answered again by the same rules.
    if response.status in {301, 302, 307, 308}:
        event("redirect")
        return
    _check(site, response.status, response.body)
