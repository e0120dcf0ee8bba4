"""The traceback page shown when an error escapes the app in debug or testing mode.

The page is one self-contained HTML document (inline CSS, no scripts, nothing
fetched) listing the exception chain and, for each frame, a few source lines
around the failing one and the frame's local variables. Everything from the
error, the code or the locals is HTML-escaped. Values that are the app's
config, or whose names look like secrets (``password``, ``token``...), are
replaced by a placeholder; long ``repr`` values are cut. The ASGI layer
only calls this when ``app.debug`` or ``app.testing`` is on.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING

from markupsafe import escape

if TYPE_CHECKING:
    from .wrappers import Response

__all__ = ["TEMPLATE", "traceback_response"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; background: #fff; }
h1 { color: #b00020; font-size: 1.4em; word-break: break-word; }
h2 { font-size: 1.1em; margin-top: 2em; }
.note { color: #555; }
.frame { border: 1px solid #ddd; border-radius: 4px; margin: 0 0 1em; }
.frame.library { opacity: 0.7; }
.loc { background: #f3f3f3; padding: 0.4em 0.6em; font-family: monospace; }
pre { margin: 0; padding: 0.4em 0.6em; overflow: auto; }
.line { display: block; white-space: pre; }
.line.current { background: #ffe6e6; font-weight: bold; }
table { border-collapse: collapse; margin: 0.4em 0.6em; font-family: monospace; }
td { border-top: 1px solid #eee; padding: 0.1em 0.6em; vertical-align: top; }
td.value { white-space: pre-wrap; word-break: break-all; }
"""

#: The page's skeleton: ``{title}``, ``{style}`` and ``{body}`` are filled in.
TEMPLATE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>{title}</title><style>{style}</style></head>"
    "<body>{body}</body></html>"
)

_CONTEXT_LINES = 3
_MAX_REPR = 400
_MAX_LOCALS = 50
_MAX_CHAIN = 5
_SECRET_NAME = re.compile(r"secret|passw|token|api_?key|credential|private", re.IGNORECASE)


def _safe_repr(name: str, value: object) -> str:
    from .config import Config

    if _SECRET_NAME.search(name):
        return "<hidden: the name looks like a secret>"
    if isinstance(value, Config):
        return "<hidden: the app config>"
    try:
        text = repr(value)
    except Exception as error:  # A broken __repr__ must not break the page.
        text = f"<repr() failed: {type(error).__name__}>"
    if len(text) > _MAX_REPR:
        text = f"{text[:_MAX_REPR]}... ({len(text)} characters)"
    return text


def _source(filename: str, lineno: int) -> str:
    lines = linecache.getlines(filename)
    if not lines:
        return ""
    start = max(lineno - 1 - _CONTEXT_LINES, 0)
    out = []
    for number in range(start, min(lineno + _CONTEXT_LINES, len(lines))):
        css = "line current" if number == lineno - 1 else "line"
        text = lines[number].rstrip("\n")
        out.append(f'<span class="{css}">{number + 1:>5} {escape(text)}</span>')
    return f"<pre>{''.join(out)}</pre>"


def _locals(frame_locals: Mapping[str, object]) -> str:
    rows = []
    for name, value in list(frame_locals.items())[:_MAX_LOCALS]:
        shown = escape(_safe_repr(name, value))
        rows.append(f'<tr><td>{escape(name)}</td><td class="value">{shown}</td></tr>')
    if not rows:
        return ""
    return f"<table>{''.join(rows)}</table>"


def _frames(tb: TracebackType | None) -> str:
    parts = []
    while tb is not None:
        frame = tb.tb_frame
        code = frame.f_code
        filename = code.co_filename
        library = "/site-packages/" in filename or "/quart/" in filename.replace("\\", "/")
        parts.append(
            f'<div class="frame{" library" if library else ""}">'
            f'<div class="loc">File "{escape(filename)}", line {tb.tb_lineno},'
            f" in {escape(code.co_name)}</div>"
            f"{_source(filename, tb.tb_lineno)}{_locals(dict(frame.f_locals))}</div>"
        )
        tb = tb.tb_next
    return "".join(parts)


def _chain(error: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions to show, oldest first, with how each led to the next."""
    chain: list[tuple[BaseException, str]] = []
    current: BaseException | None = error
    link = ""
    seen: set[int] = set()
    while current is not None and id(current) not in seen and len(chain) < _MAX_CHAIN:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above, another occurred:"
        else:
            current = None
    chain.reverse()
    return chain


def _title(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def render_traceback(error: BaseException) -> str:
    """The HTML page for ``error`` (escaped, self-contained).

    :param error: The exception that escaped the app.
    """
    sections = []
    for exception, link in _chain(error):
        # `link` says how this exception led to the one shown after it.
        sections.append(
            f"<h2>{escape(_title(exception))}</h2>"
            '<p class="note">Traceback (most recent call last):</p>'
            f"{_frames(exception.__traceback__)}"
            + (f'<p class="note">{escape(link)}</p>' if link else "")
        )
    title = escape(_title(error))
    body = (
        f"<h1>{title}</h1>"
        '<p class="note">This page is shown because the app is in debug or testing mode;'
        " it is never shown otherwise.</p>"
        f"{''.join(sections)}"
    )
    return TEMPLATE.format(title=title, style=_STYLE, body=body)


async def traceback_response(error: Exception) -> Response:
    """A 500 response with the traceback page for ``error``.

    :param error: The exception that escaped the app.
    """
    from .globals import _cv_app
    from .wrappers import Response

    ctx = _cv_app.get(None)
    response_class = ctx.app.response_class if ctx is not None else Response
    return response_class(render_traceback(error), status=500, mimetype="text/html")


# -- names Quart 0.22's module has, for code that imports them from here --------

from .wrappers import Response as Response  # noqa: E402
