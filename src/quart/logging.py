"""The app logger and its default handler."""

from __future__ import annotations

import logging
from logging import DEBUG as DEBUG
from logging import NOTSET as NOTSET
from logging.handlers import QueueHandler
from typing import TYPE_CHECKING

from flask.logging import default_handler as default_handler

if TYPE_CHECKING:
    from .app import Quart

__all__ = ["LocalQueueHandler", "create_logger", "default_handler", "has_level_handler"]



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
    """The logger named after the app, with :data:`default_handler` when nothing
    else would print its records. Remove it with
    ``app.logger.removeHandler(quart.logging.default_handler)``."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger


