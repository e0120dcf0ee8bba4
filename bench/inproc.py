"""In-process ASGI benchmark: call ``await app(scope, receive, send)`` directly.

No server, no sockets: this measures the framework's own per-request cost
(routing, request/response objects, hooks, body parsing, serialisation).

Usage (normally driven by ``run.py``)::

    .venv/bin/python bench/inproc.py --framework ours
    bench/.venv-ref/bin/python bench/inproc.py --framework quart
    bench/.venv-ref/bin/python bench/inproc.py --framework starlette  # or blacksheep, ...

Prints one JSON object on stdout: ``{endpoint: microseconds_per_request}``.
An endpoint the framework's app lists in its ``UNSUPPORTED`` set is left out
(``run.py`` shows ``—``). Progress and diagnostics go to stderr. Exits non-zero
(loudly) if any endpoint does not answer with the expected status / body
before timing starts.

``--callgrind N`` (run under ``valgrind --tool=callgrind --collect-atstart=no
--toggle-collect=ffi_call --dump-after=ffi_call``, see ``instr.py``): after
the usual checks and a warm-up, each endpoint's N requests run inside one call
of a ctypes callback (so libffi's ``ffi_call`` is on the C stack exactly while
they run, and nowhere else); callgrind then writes one dump per endpoint, in
the order printed on stdout as ``{"order": [...], "n": N}``.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import itertools
import json
import sys
import time
from collections import deque
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from typing import cast

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SRC_DIR = ROOT / "src"

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import Endpoint  # noqa: E402
from endpoints import ENDPOINTS  # noqa: E402

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

FRAMEWORKS = ("ours", "quart", "starlette", "blacksheep", "falcon", "litestar")
#: Peers with their own app module ``apps/<name>_app.py`` (the Quart ones share one).
PEER_APPS = ("starlette", "blacksheep", "falcon", "litestar")
ASGI_INFO = {"version": "3.0", "spec_version": "2.3"}
DISCONNECT: Message = {"type": "http.disconnect"}


class BenchError(RuntimeError):
    """An endpoint misbehaved; the benchmark must not report a number for it."""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- app loading


def load_app(framework: str) -> tuple[ASGIApp, str, frozenset[str]]:
    """Import the app for ``framework``; return it, a description of what was
    loaded and the endpoints it cannot serve."""
    if framework in PEER_APPS:
        import importlib
        from importlib.metadata import version

        module = importlib.import_module(f"apps.{framework}_app")
        unsupported = frozenset(getattr(module, "UNSUPPORTED", frozenset()))
        return module.app, f"{framework} {version(framework)}", unsupported

    if framework == "ours":
        # Benchmark the working tree even if the package is not (yet) installed
        # in editable mode; with `pip install -e .` this resolves to the same files.
        sys.path.insert(0, str(SRC_DIR))

    import quart

    if quart.__file__ is None:
        # A namespace package: src/quart without __init__.py (work in progress).
        raise BenchError(f"imported quart is a namespace package ({list(quart.__path__)})")
    location = Path(quart.__file__).resolve()
    in_tree = SRC_DIR in location.parents
    if framework == "ours" and not in_tree:
        raise BenchError(f"--framework ours imported quart from {location}, not from {SRC_DIR}")
    if framework == "quart" and in_tree:
        raise BenchError(f"--framework quart imported the project's quart ({location})")

    from apps import quart_app

    try:
        from importlib.metadata import version

        ver = version("quart")
    except Exception:  # metadata is optional for the work tree
        ver = "?"
    app = cast(ASGIApp, quart_app.app)
    return app, f"quart {ver} ({location.parent})", frozenset()


# --------------------------------------------------------------------------- lifespan


class Lifespan:
    """Drive the ASGI lifespan protocol around the benchmark."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported = True
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: Message) -> None:
        await self._outbox.put(message)

    async def _wait(self, event: str) -> None:
        assert self._task is not None
        getter = asyncio.ensure_future(self._outbox.get())
        done, _ = await asyncio.wait(
            {getter, self._task}, timeout=30, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            message = getter.result()
            if message["type"] == f"lifespan.{event}.complete":
                return
            raise BenchError(f"lifespan {event} failed: {message}")
        getter.cancel()
        if self._task in done:
            exc = self._task.exception()
            if event == "startup" and exc is not None:
                # Per the ASGI spec an app may refuse the lifespan scope.
                log(f"  lifespan not supported ({exc!r}); continuing without it")
                self.supported = False
                return
            raise BenchError(f"lifespan task ended during {event}: {exc!r}")
        raise BenchError(f"lifespan {event} timed out")

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": ASGI_INFO, "state": self.state}
        self._task = asyncio.ensure_future(self.app(scope, self._inbox.get, self._send))
        await self._inbox.put({"type": "lifespan.startup"})
        await self._wait("startup")

    async def shutdown(self) -> None:
        if not self.supported or self._task is None:
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._wait("shutdown")
        await asyncio.wait_for(self._task, timeout=30)


# --------------------------------------------------------------------------- http driving


def build_scope(ep: Endpoint) -> dict[str, Any]:
    headers = [(b"host", b"bench.local"), (b"user-agent", b"bench/1.0"), (b"accept", b"*/*")]
    headers.extend(ep.headers)
    if ep.body:
        headers.append((b"content-length", str(len(ep.body)).encode()))
    return {
        "type": "http",
        "asgi": ASGI_INFO,
        "http_version": "1.1",
        "method": ep.method,
        "scheme": "http",
        "path": ep.path,
        "raw_path": ep.path.encode(),
        "query_string": ep.query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "extensions": {},
    }


class Exchange:
    """One request/response: a receive that yields the body once, then waits for the
    response to finish before reporting a disconnect (as a real server would), and a
    send that records the status (and, if asked, everything else)."""

    __slots__ = ("request", "status", "messages", "complete", "_sent_body", "_waiter")

    def __init__(self, request: Message, record: bool = False) -> None:
        self.request = request
        self.status = 0
        self.messages: list[Message] | None = [] if record else None
        self.complete = False
        self._sent_body = False
        self._waiter: asyncio.Event | None = None

    async def receive(self) -> Message:
        if not self._sent_body:
            self._sent_body = True
            return self.request
        if not self.complete:
            if self._waiter is None:
                self._waiter = asyncio.Event()
            await self._waiter.wait()
        return DISCONNECT

    async def send(self, message: Message) -> None:
        if self.messages is not None:
            self.messages.append(message)
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        elif kind == "http.response.body" and not message.get("more_body", False):
            self.complete = True
            if self._waiter is not None:
                self._waiter.set()


async def call_once(
    app: ASGIApp, scope: dict[str, Any], state: dict[str, Any], request: Message
) -> Exchange:
    ex = Exchange(request, record=True)
    await app({**scope, "state": dict(state)}, ex.receive, ex.send)
    return ex


async def verify(app: ASGIApp, name: str, ep: Endpoint, state: dict[str, Any]) -> None:
    """Fail loudly unless the endpoint answers exactly as specified."""
    scope = build_scope(ep)
    request: Message = {"type": "http.request", "body": ep.body, "more_body": False}
    ex = await call_once(app, scope, state, request)
    assert ex.messages is not None
    body = b"".join(m.get("body", b"") for m in ex.messages if m["type"] == "http.response.body")
    starts = [m for m in ex.messages if m["type"] == "http.response.start"]
    problems: list[str] = []
    if len(starts) != 1:
        problems.append(f"expected one http.response.start, got {len(starts)}")
    if not ex.complete:
        problems.append("response body never completed")
    if ex.status != ep.status:
        problems.append(f"status {ex.status}, expected {ep.status}")
    headers = {k.lower(): v for k, v in (starts[0]["headers"] if starts else [])}
    ctype = headers.get(b"content-type", b"").decode("latin-1")
    if not ctype.startswith(ep.content_type):
        problems.append(f"content-type {ctype!r}, expected {ep.content_type!r}...")
    if ep.expect_body is not None:
        if body != ep.expect_body:
            problems.append(f"body {body[:200]!r}, expected {ep.expect_body[:200]!r}")
    else:
        try:
            parsed = json.loads(body)
        except ValueError:
            problems.append(f"body is not JSON: {body[:200]!r}")
        else:
            if parsed != ep.expect_json:
                problems.append(f"JSON {parsed!r} != expected {ep.expect_json!r}")
    if problems:
        raise BenchError(
            f"endpoint {name!r} ({ep.method} {ep.path}) is broken: "
            + "; ".join(problems)
            + f"\n  body: {body[:500]!r}"
        )


async def run_batch(
    app: ASGIApp,
    scope: dict[str, Any],
    state: dict[str, Any],
    request: Message,
    iterations: int,
    expected_status: int,
    paths: Iterator[tuple[str, bytes]] | None = None,
) -> int:
    """Run ``iterations`` requests back to back; return elapsed nanoseconds.
    ``paths`` gives each request its own path (``Endpoint.vary_path``)."""
    bad = 0
    perf = time.perf_counter_ns
    start = perf()
    for i in range(iterations):
        ex = Exchange(request)
        if paths is None:
            await app({**scope, "state": state.copy()}, ex.receive, ex.send)
        else:
            path, raw_path = next(paths)
            await app(
                {**scope, "state": state.copy(), "path": path, "raw_path": raw_path},
                ex.receive,
                ex.send,
            )
        if ex.status != expected_status:
            bad += 1
        if i % 64 == 63:
            # A server's event loop turns constantly; calling the app back to
            # back never lets it, and cancelled timers (any framework's
            # timeouts) would pile up in the loop's heap and skew the run.
            await asyncio.sleep(0)
    elapsed = perf() - start
    if bad:
        raise BenchError(f"{bad}/{iterations} timed requests did not return {expected_status}")
    return elapsed


Batch = Callable[[int], Awaitable[int]]


async def http_batch_for(app: ASGIApp, ep: Endpoint, state: dict[str, Any]) -> Batch:
    """``batch(n)``: n requests to ``ep`` back to back, returning elapsed ns."""
    scope = build_scope(ep)
    request: Message = {"type": "http.request", "body": ep.body, "more_body": False}
    paths = None
    if ep.vary_path is not None:
        template = ep.vary_path
        paths = (
            (path, path.encode())
            for path in (template.format(i=number) for number in itertools.count(1000))
        )

    async def batch(n: int) -> int:
        return await run_batch(app, scope, state, request, n, ep.status, paths)

    return batch


async def measure(
    batch: Callable[[int], Awaitable[int]],
    rounds: int,
    round_time: float,
    iterations: int,
    warmup_time: float,
) -> tuple[float, list[float], int]:
    """Warm up and calibrate with ``batch(n)`` (elapsed ns for ``n`` operations),
    then time ``rounds`` rounds; return (best mean µs, all means µs, n)."""
    # Warm up (caches, lazily built routers, specialising interpreter) and calibrate.
    n = 16
    while True:
        elapsed = await batch(n)
        if elapsed >= warmup_time * 1e9:
            break
        n *= 2
    if iterations <= 0:
        iterations = max(50, int(round_time * 1e9 / (elapsed / n)))
    means: list[float] = []
    for _ in range(rounds):
        gc.collect()
        elapsed = await batch(iterations)
        means.append(elapsed / iterations / 1000.0)
    return min(means), means, iterations


# --------------------------------------------------------------------------- websocket driving


def build_ws_scope(ep: Endpoint) -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": ASGI_INFO,
        "http_version": "1.1",
        "scheme": "ws",
        "path": ep.path,
        "raw_path": ep.path.encode(),
        "query_string": ep.query,
        "root_path": "",
        "headers": [(b"host", b"bench.local"), (b"user-agent", b"bench/1.0"), *ep.headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
    }


class WsPeer:
    """The client side of one in-process websocket: ``push`` hands the app a
    message (waking its ``receive``), ``roundtrip`` sends one and waits for
    the app's next ``websocket.send``. Like a server, it reports a disconnect
    once asked to, and records the accept and the close."""

    def __init__(self) -> None:
        self.inbox: deque[Message] = deque([{"type": "websocket.connect"}])
        self.accepted = False
        self.close: Message | None = None
        self._loop = asyncio.get_running_loop()
        self._wakeup: asyncio.Future[None] | None = None
        self._reply: asyncio.Future[Any] | None = None
        self._accept: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        while not self.inbox:
            self._wakeup = self._loop.create_future()
            await self._wakeup
        return self.inbox.popleft()

    def push(self, message: Message) -> None:
        self.inbox.append(message)
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
            if self._accept is not None and not self._accept.done():
                self._accept.set_result(None)
        elif kind == "websocket.send":
            reply = self._reply
            self._reply = None
            if reply is None:
                raise BenchError("the app sent a message nobody asked for")
            text = message.get("text")
            reply.set_result(text if text is not None else message.get("bytes"))
        elif kind == "websocket.close" or kind.startswith("websocket.http.response"):
            self.close = message
            error = BenchError(f"the app closed the websocket: {message}")
            if self._reply is not None and not self._reply.done():
                self._reply.set_exception(error)
            if self._accept is not None and not self._accept.done():
                self._accept.set_exception(error)

    async def accepted_future(self) -> None:
        """Wait until the app accepts (raise if it closes instead)."""
        if not self.accepted:
            self._accept = self._loop.create_future()
            await self._accept

    async def roundtrip(self, message: Message) -> Any:
        self._reply = self._loop.create_future()
        self.push(message)
        return await self._reply


async def ws_open(app: ASGIApp, ep: Endpoint, state: dict[str, Any]) -> tuple[WsPeer, Any]:
    peer = WsPeer()
    scope = {**build_ws_scope(ep), "state": dict(state)}
    task = asyncio.ensure_future(app(scope, peer.receive, peer.send))
    return peer, task


async def ws_close(peer: WsPeer, task: Any) -> None:
    peer.push({"type": "websocket.disconnect", "code": 1000, "reason": ""})
    done, _ = await asyncio.wait({task}, timeout=30)
    if not done:
        task.cancel()
        raise BenchError("the websocket handler did not end after the client left")


async def ws_verify(app: ASGIApp, name: str, ep: Endpoint, state: dict[str, Any]) -> None:
    """Fail loudly unless the websocket echoes the message, text in and text out."""
    peer, task = await ws_open(app, ep, state)
    message = ep.body.decode()
    problems: list[str] = []
    try:
        for _ in range(3):
            echoed = await asyncio.wait_for(
                peer.roundtrip({"type": "websocket.receive", "text": message}), timeout=30
            )
            if echoed != message:
                problems.append(f"echo {echoed!r}, expected {message!r}")
                break
    except (BenchError, TimeoutError) as exc:
        problems.append(f"no echo: {exc!r}")
    if not peer.accepted:
        problems.append("the connection was never accepted")
    await ws_close(peer, task)
    if task.cancelled() or task.exception() is not None:
        problems.append(f"the app ended with {task!r}")
    if problems:
        detail = "; ".join(problems)
        raise BenchError(f"endpoint {name!r} (websocket {ep.path}) is broken: {detail}")


async def ws_run_batch(peer: WsPeer, message: Message, iterations: int, expected: str) -> int:
    """Echo ``iterations`` messages back to back; return elapsed nanoseconds."""
    bad = 0
    perf = time.perf_counter_ns
    roundtrip = peer.roundtrip
    start = perf()
    for _ in range(iterations):
        if await roundtrip(message) != expected:
            bad += 1
    elapsed = perf() - start
    if bad:
        raise BenchError(f"{bad}/{iterations} timed messages were not echoed correctly")
    return elapsed


DISCONNECT_WS: Message = {"type": "websocket.disconnect", "code": 1000, "reason": ""}


async def ws_connect_batch(
    app: ASGIApp, ep: Endpoint, state: dict[str, Any], iterations: int
) -> int:
    """Open ``iterations`` websockets one after the other (connect, wait for the
    app's accept, then the client leaves and the handler must end); return ns."""
    scope = build_ws_scope(ep)
    perf = time.perf_counter_ns
    ensure_future = asyncio.ensure_future
    start = perf()
    for _ in range(iterations):
        peer = WsPeer()
        task = ensure_future(app({**scope, "state": state.copy()}, peer.receive, peer.send))
        await peer.accepted_future()
        peer.push(DISCONNECT_WS)
        await task
    return perf() - start


@asynccontextmanager
async def open_batch(app: ASGIApp, ep: Endpoint, state: dict[str, Any]) -> AsyncIterator[Batch]:
    """The ``batch(n)`` callable for one endpoint of any kind (n operations back
    to back, returning elapsed ns), with whatever it needs kept open meanwhile:
    for ``websocket`` the one connection all messages go over."""
    if ep.kind == "http":
        yield await http_batch_for(app, ep, state)
    elif ep.kind == "websocket_connect":

        async def connect_batch(n: int) -> int:
            return await ws_connect_batch(app, ep, state, n)

        yield connect_batch
    else:
        text = ep.body.decode()
        message: Message = {"type": "websocket.receive", "text": text}
        peer, task = await ws_open(app, ep, state)

        async def batch(n: int) -> int:
            return await ws_run_batch(peer, message, n, text)

        try:
            yield batch
        finally:
            await ws_close(peer, task)


async def bench(
    app: ASGIApp,
    ep: Endpoint,
    state: dict[str, Any],
    *,
    rounds: int,
    round_time: float,
    iterations: int,
    warmup_time: float,
) -> tuple[float, list[float], int]:
    """Return (best round mean µs, all round means µs, iterations per round)."""
    async with open_batch(app, ep, state) as batch:
        return await measure(batch, rounds, round_time, iterations, warmup_time)


async def verify_any(app: ASGIApp, name: str, ep: Endpoint, state: dict[str, Any]) -> None:
    """Check one endpoint of any kind (raise :class:`BenchError` if broken)."""
    if ep.kind == "http":
        await verify(app, name, ep, state)
    else:
        await ws_verify(app, name, ep, state)


def select_endpoints(arg: str, unsupported: frozenset[str]) -> list[str]:
    """The endpoint names to run: ``arg`` (comma list) or all, minus the unsupported."""
    names = list(ENDPOINTS)
    if arg:
        wanted = [n.strip() for n in arg.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in ENDPOINTS]
        if unknown:
            raise BenchError(f"unknown endpoints {unknown}; known: {names}")
        names = wanted
    for name in names:
        if ENDPOINTS[name].kind not in {"http", "websocket", "websocket_connect"}:
            raise BenchError(f"endpoint {name!r}: kind {ENDPOINTS[name].kind!r} is not driven")
    skipped = [n for n in names if n in unsupported]
    if skipped:
        log(f"  not supported by this framework (shown as —): {', '.join(skipped)}")
    return [n for n in names if n not in unsupported]


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    app, description, unsupported = load_app(args.framework)
    log(f"[{args.framework}] {description}")
    names = select_endpoints(args.endpoints, unsupported)

    lifespan = Lifespan(app)
    await lifespan.startup()
    state = lifespan.state

    for name in names:
        await verify_any(app, name, ENDPOINTS[name], state)

    results: dict[str, float] = {}
    for name in names:
        best, means, iters = await bench(
            app,
            ENDPOINTS[name],
            state,
            rounds=args.rounds,
            round_time=args.round_time,
            iterations=args.iterations,
            warmup_time=args.warmup_time,
        )
        results[name] = round(best, 3)
        spread = ", ".join(f"{m:.2f}" for m in means)
        log(f"  {name:<18} {best:9.2f} µs/req  ({iters} req x {len(means)} rounds: {spread})")

    # Re-verify after the hot loops: state leaking between requests would show here.
    for name in names:
        await verify_any(app, name, ENDPOINTS[name], state)

    await lifespan.shutdown()
    return results


# --------------------------------------------------------------------------- callgrind mode

#: A C function pointer type for the marker: calling a ctypes callback goes
#: through libffi's ``ffi_call``, which callgrind toggles collection on.
_MARKER = ctypes.CFUNCTYPE(None)


def run_marked(fn: Callable[[], Any]) -> Any:
    """Call ``fn()`` with ``ffi_call`` on the C stack (collection on under
    ``--toggle-collect=ffi_call``); return its result, re-raise its exception."""
    outcome: list[Any] = []

    def body() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # re-raised below: ctypes would swallow it
            outcome.append((False, exc))

    _MARKER(body)()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


async def _null_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """The cheapest correct ASGI app: the harness's own cost per request."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"Hello, World!"})


def callgrind_main(args: argparse.Namespace) -> dict[str, Any]:
    """Run each endpoint's N requests inside :func:`run_marked`, one after the
    other (plus ``_harness``: the null app on ``plaintext``'s request, first)."""
    app, description, unsupported = load_app(args.framework)
    log(f"[{args.framework}] {description} (callgrind, n={args.callgrind})")
    names = select_endpoints(args.endpoints, unsupported)
    n, warm = args.callgrind, args.callgrind_warmup
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    lifespan = Lifespan(app)
    loop.run_until_complete(lifespan.startup())
    state = lifespan.state
    for name in names:
        loop.run_until_complete(verify_any(app, name, ENDPOINTS[name], state))

    order: list[str] = []
    harness = loop.run_until_complete(http_batch_for(_null_app, ENDPOINTS["plaintext"], {}))
    loop.run_until_complete(harness(warm))
    run_marked(lambda: loop.run_until_complete(harness(n)))
    order.append("_harness")
    for name in names:
        ctx = open_batch(app, ENDPOINTS[name], state)
        batch = loop.run_until_complete(ctx.__aenter__())
        loop.run_until_complete(batch(warm))
        gc.collect()
        run_marked(lambda batch=batch: loop.run_until_complete(batch(n)))  # type: ignore[misc]
        order.append(name)
        loop.run_until_complete(ctx.__aexit__(None, None, None))
    for name in names:
        loop.run_until_complete(verify_any(app, name, ENDPOINTS[name], state))
    loop.run_until_complete(lifespan.shutdown())
    loop.close()
    return {"order": order, "n": n}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=FRAMEWORKS, required=True)
    parser.add_argument("--quick", action="store_true", help="few short rounds (smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (best wins)")
    parser.add_argument(
        "--round-time", type=float, default=None, help="target seconds per round (auto N)"
    )
    parser.add_argument(
        "--iterations", type=int, default=0, help="fixed requests per round (0 = auto)"
    )
    parser.add_argument("--endpoints", default="", help="comma-separated subset to run")
    parser.add_argument(
        "--callgrind",
        type=int,
        default=0,
        metavar="N",
        help="callgrind mode: N requests per endpoint inside the marker (see instr.py)",
    )
    parser.add_argument(
        "--callgrind-warmup", type=int, default=200, help="requests before the marked ones"
    )
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    if args.round_time is None:
        args.round_time = 0.05 if args.quick else 0.4
    args.warmup_time = 0.02 if args.quick else 0.2
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.callgrind:
            results: dict[str, Any] = callgrind_main(args)
        else:
            results = asyncio.run(main_async(args))
    except BenchError as exc:
        log(f"[{args.framework}] BENCHMARK FAILED: {exc}")
        return 1
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
