"""URL building: binding the URL map to a request, and ``url_for``.

The bodies of :meth:`Quart.create_url_adapter` and :meth:`Quart.url_for`;
both stay override points on the app, which calls these.
"""

from __future__ import annotations

import re
from typing import Any
from typing import TYPE_CHECKING
from urllib.parse import quote

from werkzeug.routing import BuildError
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule
from werkzeug.routing import ValidationError
from werkzeug.routing.converters import BaseConverter
from werkzeug.routing.converters import IntegerConverter
from werkzeug.routing.converters import NumberConverter
from werkzeug.routing.converters import PathConverter
from werkzeug.routing.converters import UnicodeConverter

from ..globals import _cv_app
from ..globals import _cv_request
from ..globals import _cv_websocket
from ..routing import adapter_for_request

if TYPE_CHECKING:
    from ..app import Quart
    from ..wrappers import BaseRequestWebsocket

# What a URL fragment may hold unescaped (RFC 3986 §3.5).
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"

# The Werkzeug methods whose work _build does (or leaves to them).
_MAP_UPDATE = Map.update
_RULE_BUILD = Rule.build
_RULE_SUITABLE_FOR = Rule.suitable_for
#: Rule choices remembered per URL map (cleared beyond this many).
_BUILD_CACHE_SIZE = 512
# What Werkzeug's converters and builders leave unescaped in a path
# (BaseConverter.to_url's quote(..., safe=...)), and the strings quote()
# returns as they are: ASCII letters, digits, "_.-~" and those.
_PATH_SAFE = "!$&'()*+,/:;=@"
_UNESCAPED = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*").fullmatch
# How a variable of a rule is turned into text (see _make_plan).
_TEXT, _INT, _OTHER = 0, 1, 2
# A piece of a rule's path: (text, None, _OTHER, None) or (None, name, kind, converter).
_Piece = tuple[str | None, str | None, int, Any]
_Plan = tuple[str, frozenset[str], tuple[_Piece, ...]]


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
        if endpoint[:1] == ".":
            blueprint = ctx.request_websocket.blueprint
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
    # Flask's inject_url_defaults does nothing without url_defaults functions.
    if app.url_default_functions or "inject_url_defaults" in app._overridden:
        app.inject_url_defaults(endpoint, values)
    url = _build(adapter, endpoint, values, method, external, scheme)  # type: ignore[arg-type]
    if url is not None:
        if anchor is not None:
            url = f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
        return url
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


def _build(
    adapter: MapAdapter,
    endpoint: str,
    values: dict[str, object],
    method: str | None,
    external: bool = False,
    scheme: str | None = None,
) -> str | None:
    """``adapter.build(endpoint, values, method=method,
    force_external=external, url_scheme=scheme)``, the same URL at less
    cost, or ``None`` where only Werkzeug's build can tell (the caller then
    runs it).

    Werkzeug's build looks for the rule to use on every call: each rule of
    the endpoint is tested against the method and the names of the values,
    first with the adapter's default method. Where no rule has defaults,
    that choice depends on nothing else, so it is made once per (endpoint,
    method, names) and kept with the URL map; the path is made from the
    rule's parts as its compiled builder makes it (see :func:`_plan`), and
    the URL around it as the build makes it. Anything else (host matching,
    rules with defaults, websocket rules, a rule that declines the values,
    an adapter or rule class of its own) is Werkzeug's build's.
    """
    if type(adapter) is not MapAdapter:
        return None  # an adapter of its own (Quart's outside-the-root one)
    url_map = adapter.map
    if url_map.host_matching:
        return None
    if url_map._remap:
        url_map.update()
    # Werkzeug drops values that are None.
    for value in values.values():
        if value is None:
            values = {key: value for key, value in values.items() if value is not None}
            break
    # QuartMap's, emptied as rules are added; another map has none.
    choices: dict[tuple[object, ...], tuple[Rule, _Plan | None] | None] | None = (
        url_map.__dict__.get("_build_choices")
    )
    if choices is None:
        return None
    key = (endpoint, method, adapter.default_method, *values)
    try:
        chosen = choices[key]
    except KeyError:
        rule = _choose_rule(adapter, endpoint, values, method)
        chosen = (rule, _plan(rule)) if rule is not None else None
        if len(choices) >= _BUILD_CACHE_SIZE:
            choices.clear()
        choices[key] = chosen
    if chosen is None:
        return None
    rule, plan = chosen
    if plan is None or not plan[1].issuperset(values):
        # Rule.build: the compiled builder, unknown values as the query string.
        built = rule.build(values, True)
        if built is None:
            return None
        domain, path = built
    else:
        domain = plan[0]
        # What the rule's compiled builder makes, without its converters'
        # calls for plain text and ints (quote() returns most as they are).
        parts = []
        try:
            for text, name, kind, converter in plan[2]:
                if text is not None:
                    parts.append(text)
                    continue
                value = values[name]  # type: ignore[index]
                if kind == _TEXT and type(value) is str and _UNESCAPED(value) is not None:
                    parts.append(value)
                elif kind == _INT and type(value) is int:
                    parts.append(str(value))
                else:
                    parts.append(converter.to_url(value))
        except ValidationError:
            return None  # Werkzeug's build tries the next rule: its own path does
        path = "".join(parts)
    # MapAdapter.build's ending (no host matching, no websocket rule): a
    # relative URL unless asked otherwise or on another subdomain.
    if not external and domain == adapter.subdomain:
        return f"{adapter.script_name.rstrip('/')}/{path.lstrip('/')}"
    url_scheme = adapter.url_scheme if scheme is None else scheme
    prefix = ("https:" if url_scheme in ("https", "wss") else "http:") if url_scheme else ""
    host = f"{domain}.{adapter.server_name}" if domain else adapter.server_name
    return f"{prefix}//{host}{adapter.script_name[:-1]}/{path.lstrip('/')}"


def _plan(rule: Rule) -> _Plan | None:
    """What the rule's compiled builder does, as data: (its subdomain part,
    the names of its variables, the pieces of its path); ``None`` for a rule
    it cannot describe (a variable subdomain)."""
    converters: dict[str, BaseConverter] = rule._converters
    # Rule._trace: (is a variable, its text or name), the subdomain's first,
    # then (False, "|"), then the path's, as Rule._compile_builder reads it.
    trace: list[tuple[bool, str]] = rule._trace
    domain: list[str] = []
    pieces: list[_Piece] = []
    in_domain = True
    for dynamic, data in trace:
        if in_domain and not dynamic and data == "|":
            in_domain = False
        elif dynamic:
            if in_domain:
                return None
            converter = converters[data]
            cls = type(converter)
            kind = _OTHER
            if cls in (UnicodeConverter, PathConverter) and cls.to_url is BaseConverter.to_url:
                kind = _TEXT  # quote(str(value), safe=_PATH_SAFE)
            elif (
                cls is IntegerConverter
                and cls.to_url is NumberConverter.to_url
                and converter.num_convert is int  # type: ignore[attr-defined]
                and not converter.fixed_digits  # type: ignore[attr-defined]
            ):
                kind = _INT  # str(int(value))
            pieces.append((None, data, kind, converter))
        else:
            # Static text, quoted as the compiled builder quotes it.
            text = quote(data, safe=_PATH_SAFE)
            if in_domain:
                domain.append(text)
            elif pieces and pieces[-1][0] is not None:
                pieces[-1] = (f"{pieces[-1][0]}{text}", None, _OTHER, None)
            else:
                pieces.append((text, None, _OTHER, None))
    if in_domain:
        return None
    names = frozenset(name for _, name, _, _ in pieces if name is not None)
    return "".join(domain), names, tuple(pieces)


def _choose_rule(
    adapter: MapAdapter, endpoint: str, values: dict[str, object], method: str | None
) -> Rule | None:
    """The rule Werkzeug's build would use for these names of values, or
    ``None`` when that could depend on more (see :func:`_build`)."""
    if type(adapter.map).update is not _MAP_UPDATE:
        return None
    rules = adapter.map._rules_by_endpoint.get(endpoint, ())
    for rule in rules:
        if (
            rule.defaults
            or rule.websocket
            or type(rule).build is not _RULE_BUILD
            or type(rule).suitable_for is not _RULE_SUITABLE_FOR
        ):
            return None
    # As MapAdapter._partial_build: the default method first when none is given.
    for tried in (adapter.default_method, None) if method is None else (method,):
        for rule in rules:
            if rule.suitable_for(values, tried):
                return rule
    return None


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
