"""The traceback page shown when an error escapes the app in debug or testing mode.

Everything echoed is HTML-escaped; the page never shows config values and is
never produced when both debug and testing are off.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from markupsafe import escape

if TYPE_CHECKING:
    from .wrappers import Response

__all__ = ["traceback_response"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{color:#b00020;font-size:1.4em}pre{background:#f6f6f6;padding:1em;overflow:auto}"
    ".frame{margin-bottom:1em}.loc{color:#555}"
)


async def traceback_response(error: Exception) -> Response:
    """A self-contained HTML page (status 500) describing ``error`` and its frames.

    :param error: The exception that escaped the app.
    """
    from .globals import _cv_app
    from .wrappers import Response

    frames = traceback.extract_tb(error.__traceback__)
    parts = []
    for frame in frames:
        parts.append(
            '<div class="frame"><div class="loc">File'
            f" {escape(frame.filename)}, line {frame.lineno}, in {escape(frame.name)}</div>"
            f"<pre>{escape(frame.line or '')}</pre></div>"
        )
    title = f"{escape(type(error).__name__)}: {escape(str(error))}"
    html = (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
        f"{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><h2>Traceback (most recent call last)</h2>"
        f"{''.join(parts)}</body></html>"
    )
    ctx = _cv_app.get(None)
    response_class = ctx.app.response_class if ctx is not None else Response
    return response_class(html, status=500, mimetype="text/html")
