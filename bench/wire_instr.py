"""Server instructions per request over the wire, under callgrind: noise-free.

Stdlib only (runs in the project's ``.venv``; normally driven by ``run.py
--wire-instr``). The wire mode's req/s swings by 2x on a shared machine; this
counts instead. For each server and framework it starts the server (the same
command as ``wire.py``, one worker) under::

    valgrind --tool=callgrind --instr-atstart=no --trace-children=yes ...

so nothing is counted until asked. Per endpoint: one request must answer as
in ``endpoints.py``; C keep-alive connections (threads of a small stdlib
client in this process, not under valgrind) each send the warm-up requests;
then ``callgrind_control -z`` and ``-i on`` on the server's worker process,
every connection sends N more requests (each answer checked), ``-i off`` and
``-d`` (dump). The dump's total instructions (``Ir``) over C x N is the
figure: the whole server process (server + framework), from the moment the
first measured request is read to the last answer written; opening and
closing the connections is outside. The ``raw`` row (``apps/raw_app.py``, a
bare ASGI app with prebuilt answers, the body of ``/echo`` read and sent back)
is the server's own share: a framework's row minus it is the framework's cost.

Counts do not depend on the machine's load (two servers run at once); they
are not time (no cache or branch effects; ``--cache-sim`` adds callgrind's
simulated cache misses and branch mispredictions per request, and a rough
cycle estimate from them, for the question "why do fewer instructions not
give more requests per second?"). With several connections the loop
sometimes finds more than one request ready per wake-up, so a count moves by a
few tenths of a percent from run to run.

uvicorn runs in one process. Hypercorn (``--workers 1``) and granian spawn a
worker process: valgrind follows it (``--trace-children``) and the worker's
pid (the process group's other valgrind process) is the one toggled. granian's
worker is Rust threads plus Python; valgrind runs it, slowly.

Standalone::

    .venv/bin/python bench/wire_instr.py --only ours,starlette -c 16 -n 25
    .venv/bin/python bench/wire_instr.py --servers uvicorn,hypercorn --keep /tmp/cgw
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import Endpoint  # noqa: E402
from endpoints import ENDPOINTS  # noqa: E402
from endpoints import LABELS  # noqa: E402
from endpoints import SERVER_LABELS  # noqa: E402
from venvs import ensure_ours_venv  # noqa: E402
from venvs import ensure_ref_venv  # noqa: E402
from wire import APP_SPECS  # noqa: E402
from wire import check_endpoint  # noqa: E402
from wire import child_env  # noqa: E402
from wire import FRAMEWORKS  # noqa: E402
from wire import Server  # noqa: E402
from wire import server_command  # noqa: E402
from wire import WireError  # noqa: E402

SERVERS = ("uvicorn", "hypercorn", "granian")
WIRE_ENDPOINTS = ("plaintext", "json", "json_echo", "template")
#: Defaults: connections, measured requests per connection, warm-up requests
#: per connection. 16 x 25 = 400 counted requests per cell.
CONNECTIONS = 16
REQUESTS = 25
WARMUP = 4
#: Seconds a server may take to start under valgrind (ours imports a lot).
START_TIMEOUT = 300.0
NOTE = (
    "Whole server process (server + framework); `raw ASGI` is a bare ASGI app with"
    " prebuilt answers, the server's own share, so a row minus raw is the framework's"
    " cost over the wire."
)


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- client


def raw_request(ep: Endpoint, port: int) -> bytes:
    """The HTTP/1.1 keep-alive request of ``ep``, as bytes."""
    target = ep.path + ("?" + ep.query.decode() if ep.query else "")
    lines = [f"{ep.method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{key.decode()}: {value.decode()}" for key, value in ep.headers]
    if ep.body or ep.method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(ep.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + ep.body


class Connection:
    """One keep-alive connection: send a request, read one whole response."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise WireError("the server closed the connection")
        self.buffer += chunk

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request``; return the response's status and body."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.split(b"\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            key, _, value = line.partition(b":")
            headers[key.strip().lower()] = value.strip()
        if b"content-length" in headers:
            length = int(headers[b"content-length"])
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return status, body
        if headers.get(b"transfer-encoding", b"").lower() != b"chunked":
            raise WireError(f"response with neither content-length nor chunks: {head!r}")
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._fill()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return status, body

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def answer_ok(ep: Endpoint, status: int, body: bytes) -> bool:
    """True when ``status`` and ``body`` are what ``endpoints.py`` expects."""
    if status != ep.status:
        return False
    if ep.expect_body is not None:
        return body == ep.expect_body
    try:
        return bool(json.loads(body) == ep.expect_json)
    except ValueError:
        return False


def on_all(connections: list[Connection], ep: Endpoint, request: bytes, count: int) -> None:
    """``count`` sequential requests on every connection at once (one thread each)."""
    errors: list[str] = []

    def run(conn: Connection) -> None:
        try:
            for _ in range(count):
                status, body = conn.exchange(request)
                if not answer_ok(ep, status, body):
                    errors.append(f"{ep.path}: status {status}, body {body[:200]!r}")
                    return
        except (OSError, ValueError, WireError) as exc:
            errors.append(f"{ep.path}: {exc!r}")

    threads = [threading.Thread(target=run, args=(conn,)) for conn in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise WireError(errors[0])


# --------------------------------------------------------------------------- valgrind


def callgrind_control(option: str, pid: int) -> None:
    """``callgrind_control OPTION PID`` (``-z``, ``-i on``, ``-i off``, ``-d``)."""
    proc = subprocess.run(
        ["callgrind_control", *option.split(), str(pid)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 or "Error" in proc.stdout:
        raise WireError(
            f"callgrind_control {option} {pid}: {proc.stdout[-300:]}{proc.stderr[-300:]}"
        )


def worker_pids(srv: Server) -> list[int]:
    """The processes to count: the forked/spawned workers, else the server itself."""
    pids = srv.pids()
    children = [pid for pid in pids if pid != srv.proc.pid and _under_valgrind(pid)]
    return children or [srv.proc.pid]


def _under_valgrind(pid: int) -> bool:
    """True if ``pid`` runs under valgrind (its executable is valgrind's tool)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return "valgrind" in exe or "callgrind" in exe


def read_totals(path: Path) -> int:
    """The ``totals:`` instruction count of one dump (its ``summary:`` line says 0 after ``-z``)."""
    return int(read_events(path)["Ir"])


def read_events(path: Path) -> dict[str, int]:
    """Every event of one dump's ``totals:`` line, by name (``Ir``; with the
    cache simulation also ``I1mr``, ``D1mr``, ``Bcm``, ...)."""
    text = path.read_text(errors="replace")
    names = re.search(r"^events:\s+(.+)$", text, re.M)
    totals = re.search(r"^totals:\s+(.+)$", text, re.M)
    if names is None or totals is None:
        raise WireError(f"no totals in {path}")
    return dict(zip(names.group(1).split(), map(int, totals.group(1).split()), strict=False))


def dumps(out_dir: Path, stem: str) -> set[Path]:
    """The numbered dumps written so far (``stem.PID.N``)."""
    return {p for p in out_dir.glob(f"{stem}.*.*") if p.suffix[1:].isdigit()}


# --------------------------------------------------------------------------- runs


@dataclass
class Setup:
    """Interpreters and options for a run."""

    pythons: dict[str, Path]
    connections: int
    requests: int
    warmup: int
    out_dir: Path
    #: valgrind's cache and branch simulation (``--cache-sim``); the events
    #: per request land in ``events`` (server -> framework -> endpoint).
    cache_sim: bool = False
    events: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)


def start_server(setup: Setup, server: str, framework: str, stem: str) -> Server:
    """Start one server under callgrind (instrumentation off) and wait until it answers."""
    with socket.socket() as sock:  # a free port, so parallel runs and other benches coexist
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    python = setup.pythons[framework]
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--trace-children=yes",
        f"--callgrind-out-file={setup.out_dir / stem}.%p",
        *(["--cache-sim=yes", "--branch-sim=yes"] if setup.cache_sim else []),
        str(python),
        *server_command(server, python, APP_SPECS[framework], port),
    ]
    extra = {}
    if framework == "ours":  # the work tree's src/, whatever the venv's editable install says
        extra["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{BENCH_DIR}"
    srv = Server(cmd, child_env(extra), port, setup.out_dir / f"{stem}.log")
    try:
        srv.wait_ready(START_TIMEOUT)
    except WireError:
        srv.stop()
        raise
    return srv


def count_endpoint(
    setup: Setup, srv: Server, stem: str, ep: Endpoint
) -> tuple[float, dict[str, float]]:
    """Instructions per request of the server's worker on ``ep`` (see the module doc)."""
    check_endpoint(srv.port, ep)
    request = raw_request(ep, srv.port)
    connections = [Connection(srv.port) for _ in range(setup.connections)]
    try:
        # At least one exchange per connection: the server has accepted every one.
        on_all(connections, ep, request, max(1, setup.warmup))
        pids = worker_pids(srv)
        before = dumps(setup.out_dir, stem)
        for pid in pids:
            callgrind_control("-z", pid)
            callgrind_control("-i on", pid)
        on_all(connections, ep, request, setup.requests)
        for pid in pids:
            callgrind_control("-i off", pid)
        for pid in pids:
            callgrind_control("-d", pid)
    finally:
        for conn in connections:
            conn.close()
    check_endpoint(srv.port, ep)
    new = dumps(setup.out_dir, stem) - before
    if len(new) < len(pids):
        raise WireError(f"{len(new)} dumps for {len(pids)} processes")
    count = setup.connections * setup.requests
    events: dict[str, float] = {}
    for path in new:
        for name, value in read_events(path).items():
            events[name] = events.get(name, 0.0) + value / count
    return events["Ir"], events


def count_cell(
    setup: Setup, server: str, framework: str, endpoints: list[str]
) -> dict[str, float | None]:
    """One server x framework: ``{endpoint: instructions per request or None}``."""
    names = [n for n in endpoints if n in ENDPOINTS]
    stem = f"{server}-{framework}"
    started = time.monotonic()
    try:
        srv = start_server(setup, server, framework, stem)
    except WireError as exc:
        log(f"!! {server}/{framework} did not start: {exc}")
        return dict.fromkeys(names)
    cell: dict[str, float | None] = {}
    try:
        for name in names:
            try:
                cell[name], events = count_endpoint(setup, srv, stem, ENDPOINTS[name])
                if setup.cache_sim:
                    by_fw = setup.events.setdefault(server, {}).setdefault(framework, {})
                    by_fw[name] = events
            except (WireError, OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
                log(f"!! {server}/{framework}/{name}: {exc}")
                cell[name] = None
    finally:
        srv.stop()
    shown = ", ".join(f"{k} {'—' if v is None else f'{v / 1000:.0f}k'}" for k, v in cell.items())
    log(f"  {server}/{framework} ({time.monotonic() - started:.0f}s): {shown}")
    return cell


def count_all(
    setup: Setup, servers: list[str], frameworks: list[str], endpoints: list[str], jobs: int
) -> dict[str, dict[str, dict[str, float | None]]]:
    """``{server: {framework: {endpoint: instructions per request}}}``, ``jobs`` at a time."""
    cells = [(server, fw) for server in servers for fw in frameworks]
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = {cell: pool.submit(count_cell, setup, *cell, endpoints) for cell in cells}
        results: dict[str, dict[str, dict[str, float | None]]] = {}
        for (server, fw), future in futures.items():
            results.setdefault(server, {})[fw] = future.result()
    return results


def make_setup(args: argparse.Namespace, frameworks: list[str], out_dir: Path) -> Setup:
    """Check the tools, create the venvs needed and return the run's setup."""
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise WireError(f"{tool} is not installed (apt-get install valgrind)")
    pythons: dict[str, Path] = {}
    if "ours" in frameworks:
        pythons["ours"] = ensure_ours_venv(args.venv_python)
        env = child_env({"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{BENCH_DIR}"})
        where = subprocess.run(
            [str(pythons["ours"]), "-c", "import quart; print(quart.__file__)"],
            capture_output=True, text=True, check=False, cwd="/", env=env,
        ).stdout.strip()  # fmt: skip
        if not where.startswith(str(ROOT / "src")):
            raise WireError(f"ours would import quart from {where!r}, not the work tree")
    if any(fw != "ours" for fw in frameworks):
        ref = ensure_ref_venv(args.venv_python)
        pythons.update({fw: ref for fw in frameworks if fw != "ours"})
    return Setup(
        pythons,
        args.wire_instr_connections,
        args.wire_instr_requests,
        args.wire_instr_warmup,
        out_dir,
        cache_sim=bool(getattr(args, "wire_instr_cache_sim", False)),
    )


# --------------------------------------------------------------------------- tables


def _k(value: float | None) -> str:
    return "—" if value is None else f"{value / 1000:,.1f}"


def render(results: dict[str, Any], frameworks: list[str], endpoints: list[str]) -> str:
    """Per server: thousands of instructions per request, ours/Starlette, other/ours;
    then the same minus the raw row (the frameworks' own cost)."""
    out: list[str] = []
    for server, by_fw in results.items():
        shown = [fw for fw in frameworks if fw in by_fw]
        peers = [fw for fw in shown if fw not in ("ours", "raw")]

        def get(fw: str, name: str, by_fw: dict[str, Any] = by_fw) -> float | None:
            value = by_fw.get(fw, {}).get(name)
            return None if value is None else float(value)

        out.append(f"### {SERVER_LABELS[server]}\n")
        head = ["endpoint", *(f"{LABELS[fw]} kIr" for fw in shown), "ours/Starlette"]
        head += [f"{LABELS[fw]}/ours" for fw in peers]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" + "|---:" * (len(head) - 1) + "|")
        for name in endpoints:
            ours, base = get("ours", name), get("starlette", name)
            cells = [name, *(_k(get(fw, name)) for fw in shown)]
            cells.append("—" if ours is None or not base else f"{ours / base:.2f}x")
            for fw in peers:
                value = get(fw, name)
                cells.append("—" if value is None or not ours else f"{value / ours:.2f}x")
            out.append("| " + " | ".join(cells) + " |")
        if "raw" in shown:
            framed = [fw for fw in shown if fw != "raw"]
            out.append("\nMinus the raw ASGI row (the frameworks' own cost over the wire):\n")
            head = ["endpoint", *(f"{LABELS[fw]} kIr" for fw in framed), "ours/Starlette"]
            out.append("| " + " | ".join(head) + " |")
            out.append("|---" + "|---:" * (len(head) - 1) + "|")
            for name in endpoints:
                raw = get("raw", name)

                def net(fw: str, name: str = name, raw: float | None = raw) -> float | None:
                    value = get(fw, name)
                    return None if value is None or raw is None else value - raw

                ours, base = net("ours"), net("starlette")
                cells = [name, *(_k(net(fw)) for fw in framed)]
                cells.append("—" if ours is None or not base else f"{ours / base:.2f}x")
                out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


#: The rough cycle model of ``render_events``: an assumption, not a measurement
#: (this VM exposes no hardware counters): three instructions retired per cycle,
#: ten cycles per first-level cache miss, fifteen per mispredicted branch.
CYCLE_MODEL = {"Ir": 1 / 3, "I1mr": 10, "D1mr": 10, "D1mw": 10, "Bcm": 15, "Bim": 15}


def estimate_cycles(events: dict[str, float]) -> float:
    """``CYCLE_MODEL`` applied to one request's events."""
    return sum(weight * events.get(name, 0.0) for name, weight in CYCLE_MODEL.items())


def render_events(events: dict[str, dict[str, dict[str, dict[str, float]]]]) -> str:
    """With ``--cache-sim``: per server, framework and endpoint, the simulated
    misses and mispredictions per request and the rough cycle estimate."""
    out = [
        "## Simulated cache misses and branch mispredictions per request\n",
        "valgrind's model of this machine's caches (I1/D1 first level) and branch"
        " predictor; per request, in instructions (k) and events. Est. kcycles = Ir/3"
        " + 10 x (I1mr + D1mr + D1mw) + 15 x (Bcm + Bim): a rough model, not a"
        " measurement.\n",
    ]
    for server, by_fw in events.items():
        out.append(f"### {SERVER_LABELS[server]}\n")
        head = ["endpoint", "framework", "kIr", "I1mr", "D1mr", "D1mw", "Bcm", "Bim"]
        head.append("est. kcycles")
        out.append("| " + " | ".join(head) + " |")
        out.append("|---|---" + "|---:" * (len(head) - 2) + "|")
        order = list(ENDPOINTS)
        names = sorted({n for cell in by_fw.values() for n in cell}, key=order.index)
        for name in names:
            for fw in FRAMEWORKS:
                ev = by_fw.get(fw, {}).get(name)
                if ev is None:
                    continue
                cells = [name, LABELS[fw], f"{ev.get('Ir', 0) / 1000:,.1f}"]
                cells += [f"{ev.get(k, 0):,.0f}" for k in ("I1mr", "D1mr", "D1mw", "Bcm", "Bim")]
                cells.append(f"{estimate_cycles(ev) / 1000:,.1f}")
                out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- entry points


def run_mode(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """``run.py --wire-instr``: print the tables, return (status, JSON section)."""
    selected = list(getattr(args, "frameworks", FRAMEWORKS[:-1]))
    frameworks = [fw for fw in FRAMEWORKS if fw in selected or fw == "raw"]
    servers = [s.strip() for s in args.wire_instr_servers.split(",") if s.strip()]
    endpoints = [e.strip() for e in args.wire_endpoints.split(",") if e.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-cgwire-") as tmp:
        out_dir = getattr(args, "keep", None) or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        setup = make_setup(args, frameworks, out_dir)
        jobs = max(1, min(2, os.cpu_count() or 1))
        results = count_all(setup, servers, frameworks, endpoints, jobs)
    total = setup.connections * setup.requests
    print()
    print(
        "## Server instructions per request over the wire (callgrind)\n\n"
        f"Thousands of instructions (Ir) per request of the server's worker process,"
        f" {setup.connections} keep-alive connections x {setup.requests} requests"
        f" ({total} counted) after {setup.warmup} warm-up requests on each; one worker."
        f" {NOTE} Ratios: ours/Starlette (<1 = ours runs fewer), other/ours (>1 = ours"
        " runs fewer)."
    )
    print()
    print(render(results, frameworks, endpoints))
    if setup.cache_sim:
        print(render_events(setup.events))
    failed = any(
        v is None for by_fw in results.values() for c in by_fw.values() for v in c.values()
    )
    section = {
        "unit": "instructions_per_request",
        "servers": servers,
        "connections": setup.connections,
        "requests_per_connection": setup.requests,
        "warmup_per_connection": setup.warmup,
        "results": results,
        "note": NOTE,
    }
    if setup.cache_sim:
        section["events"] = setup.events
        section["cycle_model"] = CYCLE_MODEL
    return (1 if failed else 0), section


def add_options(parser: argparse.ArgumentParser) -> None:
    """This mode's options (shared by ``run.py`` and the standalone entry point)."""
    group = parser.add_argument_group("wire-instr options")
    group.add_argument(
        "--wire-instr-servers",
        default="uvicorn",
        help="comma list of servers (uvicorn, hypercorn, granian; default uvicorn)",
    )
    group.add_argument(
        "--wire-instr-connections",
        type=int,
        default=CONNECTIONS,
        help=f"keep-alive connections (default {CONNECTIONS})",
    )
    group.add_argument(
        "--wire-instr-requests",
        type=int,
        default=REQUESTS,
        help=f"counted requests per connection (default {REQUESTS})",
    )
    group.add_argument(
        "--wire-instr-cache-sim",
        action="store_true",
        help="also simulate caches and branches: misses per request and a cycle estimate",
    )
    group.add_argument(
        "--wire-instr-warmup",
        type=int,
        default=WARMUP,
        help=f"warm-up requests per connection (default {WARMUP})",
    )


def main(argv: list[str] | None = None) -> int:
    """Standalone: ``wire_instr.py [--only ours,starlette] [--servers ...] [-c 16] [-n 25]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(FRAMEWORKS[:-1]))
    parser.add_argument("--servers", default="uvicorn", help="comma list (default uvicorn)")
    parser.add_argument("--wire-endpoints", default=",".join(WIRE_ENDPOINTS))
    parser.add_argument("-c", type=int, default=CONNECTIONS, help="connections")
    parser.add_argument("-n", type=int, default=REQUESTS, help="counted requests per connection")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="warm-up per connection")
    parser.add_argument("--keep", type=Path, help="write the callgrind dumps and logs here")
    parser.add_argument(
        "--cache-sim", action="store_true", help="simulated cache misses and mispredictions too"
    )
    parser.add_argument("--venv-python", default=sys.executable)
    args = parser.parse_args(argv)
    args.frameworks = [fw.strip() for fw in args.only.split(",") if fw.strip()]
    args.wire_instr_servers, args.wire_instr_connections = args.servers, args.c
    args.wire_instr_requests, args.wire_instr_warmup = args.n, args.warmup
    args.wire_instr_cache_sim = args.cache_sim
    try:
        status, _ = run_mode(args)
    except WireError as exc:
        log(f"FAILED: {exc}")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
