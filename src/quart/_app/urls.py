"""URL building: binding the URL map to a request, and ``url_for``.

The bodies of :meth:`Quart.create_url_adapter` and :meth:`Quart.url_for`;
both stay override points on the app, which calls these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from werkzeug.routing import BuildError
from werkzeug.routing import MapAdapter

from ..globals import _cv_app
from ..globals import _cv_request
from ..globals import _cv_websocket
from ..routing import adapter_for_request

if TYPE_CHECKING:
    from ..app import Quart
    from ..wrappers import BaseRequestWebsocket

# What a URL fragment may hold unescaped (RFC 3986 §3.5).
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def create_url_adapter(app: Quart, request: BaseRequestWebsocket | None) -> MapAdapter | None:
    """Bind the URL map to ``request``, or to ``SERVER_NAME`` without one."""
    if request is not None:
        return adapter_for_request(app, request)
    config = app.config
    if config["SERVER_NAME"] is not None:
        scheme = "https" if config["PREFER_SECURE_URLS"] else "http"
        return app.url_map.bind(
            config["SERVER_NAME"], script_name=config["APPLICATION_ROOT"], url_scheme=scheme
        )
    return None


def url_for(
    app: Quart,
    endpoint: str,
    anchor: str | None,
    external: bool | None,
    method: str | None,
    scheme: str | None,
    values: dict[str, object],
) -> str:
    """Build the URL of ``endpoint`` (see :func:`quart.url_for`)."""
    ctx = _cv_request.get(None) or _cv_websocket.get(None)
    if ctx is not None:
        adapter = ctx.url_adapter
        blueprint = ctx.request_websocket.blueprint
        if endpoint[:1] == ".":
            endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
        if external is None:
            external = scheme is not None
    else:
        app_ctx = _cv_app.get(None)
        adapter = app_ctx.url_adapter if app_ctx is not None else app.create_url_adapter(None)
        if adapter is None:
            raise RuntimeError(
                "Unable to build URLs outside an active request without"
                " 'SERVER_NAME' configured. Set SERVER_NAME (and APPLICATION_ROOT,"
                " PREFER_SECURE_URLS as needed)."
            )
        if external is None:
            external = True
    if scheme is not None and not external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")
    app.inject_url_defaults(endpoint, values)
    old_scheme = None
    if scheme is not None:
        old_scheme, adapter.url_scheme = adapter.url_scheme, scheme  # type: ignore[union-attr]
    try:
        url = adapter.build(endpoint, values, method=method, force_external=external)  # type: ignore[union-attr]
    except BuildError as error:
        values.update(_anchor=anchor, _external=external, _method=method, _scheme=scheme)
        return app.handle_url_build_error(error, endpoint, values)
    finally:
        if old_scheme is not None:
            adapter.url_scheme = old_scheme  # type: ignore[union-attr]
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
    return url


def add_static_route(app: Quart, static_host: str | None, host_matching: bool) -> None:
    """Add the ``static`` rule serving the app's static folder."""
    if bool(static_host) != host_matching:
        raise ValueError(
            "Invalid static_host/host_matching combination: static_host"
            " is needed exactly when host_matching is on."
        )
    app.add_url_rule(
        f"{app.static_url_path}/<path:filename>",
        endpoint="static",
        host=static_host,
        view_func=app.send_static_file,
        # "/static//etc/passwd" is a 404 like any other bad name,
        # not a redirect to a path with the slashes merged.
        merge_slashes=False,
    )
