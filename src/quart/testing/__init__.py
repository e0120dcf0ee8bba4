"""Testing tools: the test client, lifespan harness and CLI runner."""

from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

from click.testing import CliRunner

from ..cli import ScriptInfo as ScriptInfo
from .app import TestApp as TestApp
from .client import QuartClient as QuartClient
from .connections import WebsocketResponseError as WebsocketResponseError
from .utils import make_test_body_with_headers as make_test_body_with_headers
from .utils import (
    make_test_headers_path_and_query_string as make_test_headers_path_and_query_string,
)
from .utils import make_test_scope as make_test_scope
from .utils import no_op_push as no_op_push
from .utils import sentinel as sentinel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from click import Command
    from click.testing import Result

    from ..app import Quart

__all__ = [
    "QuartCliRunner",
    "QuartClient",
    "TestApp",
    "WebsocketResponseError",
    "make_test_body_with_headers",
    "make_test_headers_path_and_query_string",
    "make_test_scope",
    "no_op_push",
    "sentinel",
]


class QuartCliRunner(CliRunner):
    """A click runner for the app's commands: ``app.test_cli_runner().invoke(args=[...])``.

    :param app: The application.
    """

    def __init__(self, app: Quart, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self,
        cli: Command | None = None,
        args: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Result:
        """Invoke ``cli`` (the app's command group by default) with ``args``."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
