"""``quart.utils``'s Quart 0.22 helpers: one implementation each, Quart's behaviour."""

from __future__ import annotations

import asyncio

import pytest
from werkzeug.datastructures import Headers

from quart import _concurrency
from quart import utils
from quart.asgi import cancel_tasks as asgi_cancel_tasks
from quart.asgi import encode_headers as asgi_encode_headers


def test_cancel_tasks_is_the_internal_helper() -> None:
    assert utils.cancel_tasks is _concurrency.cancel_tasks
    assert asgi_cancel_tasks is utils.cancel_tasks
    assert asgi_encode_headers is utils.encode_headers


async def test_cancel_tasks_cancels_and_waits() -> None:
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = asyncio.ensure_future(forever())
    await started.wait()
    await utils.cancel_tasks({task})
    assert task.cancelled()


async def test_cancel_tasks_raises_a_task_error_as_quart() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    task = asyncio.ensure_future(fail())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="boom"):
        await utils.cancel_tasks({task})


async def test_cancel_tasks_without_raising() -> None:
    async def fail() -> None:
        raise ValueError("boom")

    task = asyncio.ensure_future(fail())
    await asyncio.sleep(0)
    await _concurrency.cancel_tasks([task], raise_errors=False)
    assert isinstance(task.exception(), ValueError)


def test_encode_headers_is_quarts_utf_8() -> None:
    headers = Headers({"X-Name": "Jos\u00e9", "Content-Type": "text/plain"})
    assert utils.encode_headers(headers) == [
        (b"x-name", "Jos\u00e9".encode()),
        (b"content-type", b"text/plain"),
    ]
