"""The video example in a real browser: the <video> plays and seeks over range requests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from examples.video import app as video
from examples.video.clip import FPS
from examples.video.clip import SECONDS
from examples.video.clip import write_clip
from playwright.sync_api import expect
from playwright.sync_api import Page
from playwright.sync_api import Response

from quart import Quart

# The colour at the centre of macroblock (column, row) of the frame on show,
# read back through a canvas.
PIXEL = """([column, row]) => {
  const video = document.querySelector("video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  return Array.from(context.getImageData(column * 16 + 8, row * 16 + 8, 1, 1).data.slice(0, 3));
}"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Quart:
    path = tmp_path / "clip.mp4"
    write_clip(path)
    monkeypatch.setitem(video.app.config, "VIDEO_PATH", str(path))
    return video.app


def is_yellow(rgb: list[int]) -> bool:
    red, green, blue = rgb
    return red > 180 and green > 180 and blue < 100


def video_state(page: Page) -> Any:
    return page.evaluate(
        """(() => { const v = document.querySelector("video");
        return {duration: v.duration, width: v.videoWidth, time: v.currentTime,
                paused: v.paused, error: v.error && v.error.message}; })()"""
    )


def test_video_plays_and_seeks(open_page: Callable[[], Page]) -> None:
    page = open_page()
    media: list[Response] = []
    page.on(
        "response", lambda response: media.append(response) if "/video" in response.url else None
    )
    page.goto("/")
    expect(page).to_have_title("Quart video")
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    state = video_state(page)
    assert state["error"] is None
    assert state["duration"] == pytest.approx(SECONDS, abs=0.01)
    assert state["width"] == 160

    # The player asked for ranges, and the server answered 206 Partial Content.
    assert media, "the browser never requested the video"
    ranged = [r for r in media if r.request.headers.get("range", "").startswith("bytes=")]
    assert ranged and {r.status for r in ranged} == {206}
    assert ranged[0].headers["content-range"].startswith("bytes 0-")
    assert ranged[0].headers["accept-ranges"] == "bytes"

    # It plays: time moves on.
    assert page.evaluate("document.querySelector('video').play().then(() => true)")
    page.wait_for_function("document.querySelector('video').currentTime > 0.5")
    page.evaluate("document.querySelector('video').pause()")

    # It seeks: frame 25 (of 8 a second) shows the square in column 25 % 10.
    target = 25 / FPS + 0.05
    page.evaluate(
        """(target) => new Promise((resolve) => {
            const video = document.querySelector("video");
            video.addEventListener("seeked", resolve, {once: true});
            video.currentTime = target;
        })""",
        target,
    )
    assert video_state(page)["time"] == pytest.approx(target, abs=0.01)
    assert is_yellow(page.evaluate(PIXEL, [25 % 10, 3]))
    assert not is_yellow(page.evaluate(PIXEL, [0, 3]))

    # And back to the start: the square is in the first column again.
    page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector("video");
            video.addEventListener("seeked", resolve, {once: true});
            video.currentTime = 0.01;
        })"""
    )
    assert is_yellow(page.evaluate(PIXEL, [0, 3]))
