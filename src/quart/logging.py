"""The app logger, its default handler, and log-line escaping.

``app.logger`` is the standard logger named after the app. When nothing would
print its records (no handler on it or its parents for its level), the
:data:`default_handler` is added; remove it, and configure logging as you
like, with::

    from quart.logging import default_handler

    app.logger.removeHandler(default_handler)

``app.run()`` and ``quart run`` send Hypercorn's error log to ``app.logger``
and its access log to the ``<app name>.access`` child logger, which
propagates to the app logger's handlers; silence the access log with
``logging.getLogger(f"{app.name}.access").setLevel(logging.WARNING)``.
"""

from __future__ import annotations

import logging
import sys
from logging import DEBUG as DEBUG
from logging import NOTSET as NOTSET
from logging.handlers import QueueHandler
from typing import TextIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Quart

__all__ = [
    "LocalQueueHandler",
    "create_logger",
    "default_handler",
    "escape_control_characters",
    "has_level_handler",
]


class _StderrHandler(logging.StreamHandler[TextIO]):
    """A stream handler that writes to whatever ``sys.stderr`` is when a record
    is emitted, so redirecting stderr (pytest's capture, a daemon's log
    file) also redirects the app's log."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass  # Always the current sys.stderr; see the class docstring.


#: The handler ``app.logger`` gets when nothing else would print its records:
#: stderr, ``[time] LEVEL in module: message``.
default_handler: logging.Handler = _StderrHandler()
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


class LocalQueueHandler(QueueHandler):
    """A queue handler that skips formatting (the listener formats)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """Return the record unchanged."""
        return record


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on ``logger`` or its parents handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: Quart) -> logging.Logger:
    """The logger named after the app, with :data:`default_handler` added when
    nothing else would print its records. In debug mode, its level is DEBUG
    unless a level was set.

    :param app: The application.
    """
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


def escape_control_characters(value: str) -> str:
    """Escape the control (non-printable) characters of ``value`` as
    ``\\n``, ``\\x1b``... so that text from a client, logged, is one line and
    cannot forge another line or drive the terminal.

    :param value: A path, header value or other client-supplied text.
    """
    if value.isprintable():
        return value
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in value
    )


# -- names Quart 0.22's module has, for code that imports them from here --------

from logging.handlers import QueueListener  # noqa: E402
from queue import Queue  # noqa: E402


def _setup_logging_queue(*handlers: logging.Handler) -> QueueHandler:
    """A :class:`LocalQueueHandler` whose records a started
    :class:`~logging.handlers.QueueListener` passes on to ``handlers``."""
    queue: Queue[logging.LogRecord] = Queue()
    queue_handler = LocalQueueHandler(queue)
    listener = QueueListener(queue, *handlers, respect_handler_level=True)
    listener.start()
    return queue_handler
