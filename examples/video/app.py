"""Serve a video file that browsers can seek in (HTTP range requests).

Run it with::

    VIDEO_PATH=/path/to/clip.mp4 QUART_APP=examples.video.app:app .venv/bin/quart run

and open http://127.0.0.1:5000/. Without ``VIDEO_PATH`` it serves
``sample.bin`` from this folder: a small file of deterministic bytes, written
when the server starts if it is missing (it is not a playable video, but
``curl -H 'Range: bytes=0-99' -i http://127.0.0.1:5000/video`` shows seeking
at work: ``206 Partial Content`` with a ``Content-Range`` header).
"""

from __future__ import annotations

import os
from pathlib import Path

from quart import abort
from quart import current_app
from quart import Quart
from quart import render_template_string
from quart import Response
from quart import send_file
from quart.utils import run_sync

HERE = Path(__file__).resolve().parent

#: The size of the generated sample file, in bytes (not a multiple of anything).
SAMPLE_SIZE = 256 * 1024 + 123

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Quart video</title></head>
<body>
  <h1>Quart video</h1>
  <video controls preload="metadata" src="{{ url_for('video') }}" width="640"></video>
</body>
</html>
"""


def sample_bytes(size: int = SAMPLE_SIZE) -> bytes:
    """``size`` deterministic bytes: the same file on every machine."""
    return bytes((index * 7 + index // 256) % 256 for index in range(size))


def write_sample(path: str | Path, size: int = SAMPLE_SIZE) -> None:
    """Write the sample file to ``path``."""
    Path(path).write_bytes(sample_bytes(size))


app = Quart(__name__)
# From the environment: relative to the working directory, as a shell user expects.
app.config["VIDEO_PATH"] = os.path.abspath(os.environ.get("VIDEO_PATH", HERE / "sample.bin"))


def video_path() -> Path:
    """The configured video file (a relative ``VIDEO_PATH`` setting is relative to
    this folder)."""
    return Path(current_app.root_path, current_app.config["VIDEO_PATH"])


@app.before_serving
async def ensure_video() -> None:
    """Create the sample file when the configured video does not exist yet."""
    path = video_path()
    if not path.exists():
        await run_sync(write_sample)(path)


@app.get("/")
async def index() -> str:
    """A page with a player for the video."""
    return await render_template_string(PAGE)


@app.get("/video")
async def video() -> Response:
    """The video, with range, ETag and Last-Modified support."""
    path = video_path()
    if not path.is_file():
        abort(404)
    return await send_file(path, conditional=True)


if __name__ == "__main__":
    app.run()
