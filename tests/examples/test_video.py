"""The video example (examples/video): a file served so that players can seek."""

from __future__ import annotations

import struct
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from examples.video.app import app
from examples.video.app import sample_bytes
from examples.video.app import SAMPLE_SIZE
from examples.video.app import video_path
from examples.video.app import write_sample
from examples.video.clip import _nal
from examples.video.clip import clip_bytes
from examples.video.clip import write_clip

from quart import Quart
from quart.testing import QuartClient

DATA = sample_bytes()


@pytest.fixture
def clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clip.mp4"
    write_sample(path)
    monkeypatch.setitem(app.config, "VIDEO_PATH", str(path))
    return path


@pytest.fixture(name="app")
def video_app(clip: Path) -> Quart:
    # The plugin's `client` fixture builds on this.
    return app


def test_sample_is_deterministic_binary() -> None:
    assert len(DATA) == SAMPLE_SIZE
    assert sample_bytes() == DATA
    assert set(DATA) == set(range(256))  # every byte value: really binary
    assert sample_bytes(10) == DATA[:10]


async def test_page_has_a_player(client: QuartClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<video controls preload="metadata" src="/video"' in await response.get_data(
        as_text=True
    )


async def test_whole_file(client: QuartClient, clip: Path) -> None:
    response = await client.get("/video")
    assert response.status_code == 200
    assert response.mimetype == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"  # tells the player it can seek
    assert response.headers["Content-Length"] == str(SAMPLE_SIZE)
    assert "Content-Range" not in response.headers
    assert response.headers["ETag"]
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert int(modified.timestamp()) == int(clip.stat().st_mtime)
    assert await response.get_data() == DATA


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=0-0", 0, 0),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=131072-", 131072, SAMPLE_SIZE - 1),  # what a player sends to seek
        ("bytes=0-", 0, SAMPLE_SIZE - 1),
        ("bytes=-500", SAMPLE_SIZE - 500, SAMPLE_SIZE - 1),  # the last 500 bytes
        (f"bytes={SAMPLE_SIZE - 10}-{SAMPLE_SIZE + 1000}", SAMPLE_SIZE - 10, SAMPLE_SIZE - 1),
        (f"bytes={SAMPLE_SIZE - 1}-", SAMPLE_SIZE - 1, SAMPLE_SIZE - 1),
    ],
)
async def test_range_request(client: QuartClient, header: str, start: int, end: int) -> None:
    response = await client.get("/video", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{SAMPLE_SIZE}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.mimetype == "video/mp4"
    assert await response.get_data() == DATA[start : end + 1]


async def test_seeking_reads_the_file_in_pieces(client: QuartClient) -> None:
    chunk = 64 * 1024
    pieces = []
    for start in range(0, SAMPLE_SIZE, chunk):
        end = min(start + chunk, SAMPLE_SIZE) - 1
        response = await client.get("/video", headers={"Range": f"bytes={start}-{end}"})
        assert response.status_code == 206
        pieces.append(await response.get_data())
    assert b"".join(pieces) == DATA


@pytest.mark.parametrize("header", [f"bytes={SAMPLE_SIZE}-", f"bytes={SAMPLE_SIZE + 100}-"])
async def test_range_past_the_end_is_416(client: QuartClient, header: str) -> None:
    response = await client.get("/video", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SAMPLE_SIZE}"


async def test_unknown_range_unit_is_ignored(client: QuartClient) -> None:
    response = await client.get("/video", headers={"Range": "frames=0-5"})
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_unchanged_file_is_304(client: QuartClient) -> None:
    first = await client.get("/video")
    etag = first.headers["ETag"]

    response = await client.get("/video", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert await response.get_data() == b""
    assert response.headers["ETag"] == etag

    last_modified = first.headers["Last-Modified"]
    response = await client.get("/video", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304

    # A player revalidating a range it cached: still not modified.
    response = await client.get("/video", headers={"If-None-Match": etag, "Range": "bytes=0-9"})
    assert response.status_code == 304


async def test_if_range(client: QuartClient) -> None:
    etag = (await client.get("/video")).headers["ETag"]

    # Same file as the player cached: just the range.
    response = await client.get("/video", headers={"Range": "bytes=10-19", "If-Range": etag})
    assert response.status_code == 206
    assert await response.get_data() == DATA[10:20]

    # The file changed since: the whole new file.
    response = await client.get(
        "/video", headers={"Range": "bytes=10-19", "If-Range": '"stale-etag"'}
    )
    assert response.status_code == 200
    assert await response.get_data() == DATA


async def test_changed_file_is_served_fresh(client: QuartClient, clip: Path) -> None:
    etag = (await client.get("/video")).headers["ETag"]
    write_sample(clip, 1000)
    response = await client.get("/video", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert await response.get_data() == DATA[:1000]


async def test_head(client: QuartClient) -> None:
    response = await client.head("/video")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(SAMPLE_SIZE)
    assert response.headers["Accept-Ranges"] == "bytes"
    # As Quart's test client: the body the view produced (a server drops it).
    assert await response.get_data() == DATA


async def test_missing_file_is_404(client: QuartClient, clip: Path) -> None:
    clip.unlink()
    assert (await client.get("/video")).status_code == 404


async def test_relative_path_is_in_the_example_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "VIDEO_PATH", "no-such-video.mp4")
    async with app.app_context():
        assert video_path() == Path(app.root_path) / "no-such-video.mp4"
    assert (await app.test_client().get("/video")).status_code == 404


async def test_sample_written_when_serving_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sample.bin"
    monkeypatch.setitem(app.config, "VIDEO_PATH", str(path))
    async with app.test_app() as test_app:
        assert path.read_bytes() == DATA
        response = await test_app.test_client().get("/video", headers={"Range": "bytes=-4"})
        assert response.status_code == 206
        assert response.mimetype == "application/octet-stream"
        assert await response.get_data() == DATA[-4:]


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """The top-level MP4 boxes: (type, payload)."""
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        assert size >= 8
        boxes.append((kind, data[offset + 8 : offset + size]))
        offset += size
    assert offset == len(data)  # sizes add up exactly
    return boxes


def test_clip_is_an_indexed_mp4() -> None:
    data = clip_bytes(seconds=1)
    assert [kind for kind, _ in _boxes(data)] == [b"ftyp", b"moov", b"mdat"]  # index first
    moov = dict(_boxes(data))[b"moov"]
    assert b"avc1" in moov and b"avcC" in moov
    # The chunk offset in the index points at the first sample: a 4-byte length
    # followed by an IDR slice NAL unit (header 0x65).
    (offset,) = struct.unpack_from(">I", moov, moov.index(b"stco") + 12)
    (length,) = struct.unpack_from(">I", data, offset)
    assert data[offset + 4] == 0x65
    assert offset + 4 + length <= len(data)
    assert clip_bytes(seconds=1) == data  # deterministic
    assert len(clip_bytes(seconds=2)) > len(data)


def test_nal_units_escape_start_code_lookalikes() -> None:
    # H.264 7.4.1: "00 00 0x" (x <= 3) inside a NAL unit gets an 03 inserted.
    assert _nal(0x65, b"\0\0\1\0\0\0\0\0\3\7") == b"\x65\0\0\3\1\0\0\3\0\0\3\0\3\7"
    assert _nal(0x67, b"\0\4\0\0\4") == b"\x67\0\4\0\0\4"


def test_write_clip(tmp_path: Path) -> None:
    write_clip(tmp_path / "clip.mp4", seconds=1)
    assert (tmp_path / "clip.mp4").read_bytes() == clip_bytes(seconds=1)
