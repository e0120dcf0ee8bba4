"""Over-the-wire benchmark: real servers, real sockets, loaded with wrk.

Stdlib only (runs in the project's ``.venv``; normally driven by ``run.py
--wire`` / ``--large``). For each server (uvicorn with uvloop + httptools,
granian, Hypercorn; one worker each) and each framework's app, it starts the
server on 127.0.0.1 pinned to core 0, checks every endpoint answers correctly,
then runs ``wrk --latency`` pinned to core 1 (when the machine has two cores):
a warm-up, then the measured run. It reports requests per second and the
99th percentile latency, plus the ratio to Starlette on the same server.

Ours is served from ``bench/.venv-ours`` (the work tree installed editable
plus the pinned servers, ``requirements-ours.txt``); the peers from
``bench/.venv-ref``. The ``raw`` row is a bare ASGI app (``apps/raw_app.py``):
each server's own ceiling here.

``--large`` (uvicorn only): ``GET /file`` (a 10 MB ``send_file`` /
``FileResponse``) and ``GET /stream`` (10 MB from an async generator in 64 KB
chunks), with a few connections: MB/s received by wrk and the server's peak
RSS (``VmHWM``, from a fresh server per measurement).

Standalone::

    .venv/bin/python bench/wire.py --duration 10 --warmup 2
    .venv/bin/python bench/wire.py --large
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from endpoints import Endpoint  # noqa: E402
from endpoints import ENDPOINTS  # noqa: E402
from endpoints import LABELS  # noqa: E402
from endpoints import LARGE_FILE_ENV  # noqa: E402
from endpoints import LARGE_SIZE  # noqa: E402
from endpoints import SERVER_LABELS  # noqa: E402
from venvs import ensure_ours_venv  # noqa: E402
from venvs import ensure_ref_venv  # noqa: E402

SERVERS = ("uvicorn", "granian", "hypercorn")
#: Frameworks over the wire, in table order; ``raw`` is the bare ASGI app.
FRAMEWORKS = ("ours", "quart", "starlette", "blacksheep", "falcon", "litestar", "raw")
APP_SPECS = {
    "ours": "apps.quart_app:app",
    "quart": "apps.quart_app:app",
    "starlette": "apps.starlette_app:app",
    "blacksheep": "apps.blacksheep_app:app",
    "falcon": "apps.falcon_app:app",
    "litestar": "apps.litestar_app:app",
    "raw": "apps.raw_app:app",
}
RAW_ENDPOINTS = {"plaintext"}
#: Frameworks with the /file and /stream routes (``--large``).
LARGE_FRAMEWORKS = ("ours", "quart", "starlette")
LARGE_PATHS = {"file": "/file", "stream": "/stream"}
HYPERCORN_NOTE = (
    "Hypercorn's own ceiling is low on this machine (about 4k req/s at best, and its raw"
    " ASGI row above is what it managed in this run): on Hypercorn the server, not the"
    " framework, is the bottleneck, so its ratios are compressed towards 1."
)
PORT = 8765


def log(msg: str) -> None:
    """Progress to stderr."""
    print(msg, file=sys.stderr, flush=True)


class WireError(RuntimeError):
    """A server did not start or answered wrongly: no figure for that cell."""


# --------------------------------------------------------------------------- pinning


def cores() -> tuple[list[str], list[str]]:
    """``taskset`` prefixes for the server and for wrk (empty on one core)."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return [], []
    return ["taskset", "-c", "0"], ["taskset", "-c", "1"]


# --------------------------------------------------------------------------- servers


def server_command(server: str, python: Path, app_spec: str, port: int) -> list[str]:
    """The command line that serves ``app_spec`` with one worker on 127.0.0.1."""
    bindir = python.parent
    if server == "uvicorn":
        return [
            str(bindir / "uvicorn"),
            "--host", "127.0.0.1", "--port", str(port),
            "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning",
            app_spec,
        ]  # fmt: skip
    if server == "granian":
        return [
            str(bindir / "granian"),
            "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
            app_spec,
        ]  # fmt: skip
    if server == "hypercorn":
        return [
            str(bindir / "hypercorn"),
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "uvloop",
            "--log-level", "warning",
            app_spec,
        ]  # fmt: skip
    raise ValueError(server)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: its own venv only, the bench dir importable."""
    env = dict(os.environ)
    for var in ("PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(var, None)
    env["PYTHONPATH"] = str(BENCH_DIR)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra or {})
    return env


def port_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Server:
    """One server process (its own process group, stopped with SIGTERM then SIGKILL)."""

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=BENCH_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until ``GET /plaintext`` (or any answer) comes back."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise WireError(f"server exited ({self.proc.returncode}): {self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/plaintext")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        raise WireError(f"server not ready after {timeout:.0f}s: {self.tail()}")

    def pids(self) -> list[int]:
        """The server process and its children (granian/Hypercorn fork their worker)."""
        pids = [self.proc.pid]
        try:
            out = subprocess.run(
                ["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True, check=False
            ).stdout
            pids = sorted({self.proc.pid, *(int(p) for p in out.split())})
        except (OSError, ValueError):
            pass
        return pids

    def peak_rss_kb(self) -> int:
        """The largest ``VmHWM`` among the server's processes (kB)."""
        peak = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peak = max(peak, int(match.group(1)))
        return peak

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server's processes used so far."""
        ticks = 0
        for pid in self.pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def tail(self) -> str:
        """The end of the server's log."""
        self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM the process group; SIGKILL it if still there after 10 s."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()
        deadline = time.monotonic() + 10
        while not port_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)


# --------------------------------------------------------------------------- checks


def check_endpoint(port: int, ep: Endpoint) -> None:
    """One request over the wire; raise :class:`WireError` unless the answer is right."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {k.decode(): v.decode() for k, v in ep.headers}
        conn.request(ep.method, ep.path + ("?" + ep.query.decode() if ep.query else ""),
                     body=ep.body or None, headers=headers)  # fmt: skip
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != ep.status:
        raise WireError(f"{ep.path}: status {resp.status}: {body[:200]!r}")
    if ep.expect_body is not None:
        ok = body == ep.expect_body
    else:
        try:
            ok = json.loads(body) == ep.expect_json
        except ValueError:
            ok = False
    if not ok:
        raise WireError(f"{ep.path}: unexpected body {body[:200]!r}")


def check_large(port: int, path: str) -> None:
    """``GET path`` must return LARGE_SIZE bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200 or len(body) != LARGE_SIZE:
        raise WireError(f"{path}: status {resp.status}, {len(body)} bytes (want {LARGE_SIZE})")


# --------------------------------------------------------------------------- wrk

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_wrk(out: str) -> dict[str, float]:
    """Requests/s, p99 (ms), transfer (bytes/s) and error counts from wrk's output."""
    result: dict[str, float] = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise WireError(f"no Requests/sec in wrk output: {out[-500:]!r}")
    result["rps"] = float(match.group(1))
    match = re.search(r"(\d+) requests in", out)
    if match:
        result["requests"] = float(match.group(1))
    match = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if match:
        result["p99_ms"] = float(match.group(1)) * _UNITS[match.group(2)]
    match = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    if match:
        result["bytes_per_s"] = float(match.group(1)) * _SIZES[match.group(2)]
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["non_2xx"] = float(match.group(1)) if match else 0.0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = float(sum(int(g) for g in match.groups())) if match else 0.0
    return result


def wrk(
    pin: list[str],
    url: str,
    duration: float,
    connections: int,
    script: Path | None = None,
) -> dict[str, float]:
    """Run wrk once (one thread) and parse its output."""
    cmd = [*pin, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    if proc.returncode != 0:
        raise WireError(f"wrk failed ({proc.returncode}): {proc.stderr[-500:]}")
    return parse_wrk(proc.stdout)


def lua_script(ep: Endpoint, directory: Path) -> Path | None:
    """A wrk Lua script for a request with a method other than GET or a body."""
    if ep.method == "GET" and not ep.body:
        return None
    lines = [f'wrk.method = "{ep.method}"']
    for key, value in ep.headers:
        lines.append(f'wrk.headers["{key.decode()}"] = "{value.decode()}"')
    body = ep.body.decode().replace("\\", "\\\\").replace('"', '\\"')
    lines.append(f'wrk.body = "{body}"')
    path = directory / f"{ep.path.strip('/').replace('/', '_')}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- runs


@dataclass
class Setup:
    """Interpreters and options for a wire run."""

    pythons: dict[str, Path]
    duration: float
    warmup: float
    connections: int
    workdir: Path


def serve(setup: Setup, server: str, framework: str, extra_env: dict[str, str] | None) -> Server:
    """Start one server for one framework and wait until it answers."""
    server_pin, _ = cores()
    port = PORT
    deadline = time.monotonic() + 15
    while not port_free(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    cmd = server_pin + server_command(server, setup.pythons[framework], APP_SPECS[framework], port)
    srv = Server(cmd, child_env(extra_env), port, setup.workdir / f"{server}-{framework}.log")
    try:
        srv.wait_ready()
    except WireError:
        srv.stop()
        raise
    return srv


def measure_wire(
    setup: Setup,
    servers: list[str],
    frameworks: list[str],
    endpoints: list[str],
    rounds: int = 1,
) -> dict[str, dict[str, dict[str, dict[str, Any] | None]]]:
    """``{server: {framework: {endpoint: {"rps":..., "p99_ms":...} or None}}}``.

    With ``rounds`` > 1 every framework is measured that many times, taking
    turns (each round starts with a different framework), and each cell
    keeps its best run: on a shared machine noise only ever slows a run
    down, and the frameworks' turns spread its drift over all of them. A
    cell also records every run's req/s (``rps_runs``).
    """
    best: dict[str, dict[str, dict[str, dict[str, Any] | None]]] = {}
    for round_no in range(rounds):
        shift = round_no % len(frameworks)
        order = frameworks[shift:] + frameworks[:shift]
        if rounds > 1:
            log(f"== round {round_no + 1} of {rounds}")
        measured = _measure_wire_once(setup, servers, order, endpoints)
        for server, by_fw in measured.items():
            for fw, cells in by_fw.items():
                kept = best.setdefault(server, {}).setdefault(fw, {})
                for name, fig in cells.items():
                    old = kept.get(name)
                    runs: list[float] = list(old["rps_runs"]) if old else []
                    if fig is not None:
                        runs.append(fig["rps"])
                        if old is None or fig["rps"] > old["rps"]:
                            old = dict(fig)
                    if old is not None:
                        old["rps_runs"] = runs
                    kept[name] = old
    # Table order, whatever order the last round ran in.
    return {
        server: {fw: by_fw[fw] for fw in frameworks if fw in by_fw}
        for server, by_fw in best.items()
    }


def _measure_wire_once(
    setup: Setup, servers: list[str], frameworks: list[str], endpoints: list[str]
) -> dict[str, dict[str, dict[str, dict[str, float] | None]]]:
    _, wrk_pin = cores()
    results: dict[str, dict[str, dict[str, dict[str, float] | None]]] = {}
    scripts = {name: lua_script(ENDPOINTS[name], setup.workdir) for name in endpoints}
    for server in servers:
        results[server] = {}
        for fw in frameworks:
            names = [n for n in endpoints if fw != "raw" or n in RAW_ENDPOINTS]
            cell: dict[str, dict[str, float] | None] = {}
            results[server][fw] = cell
            log(f"== {server} / {fw}")
            try:
                srv = serve(setup, server, fw, None)
            except WireError as exc:
                log(f"!! {server}/{fw} did not start: {exc}")
                for name in names:
                    cell[name] = None
                continue
            try:
                for name in names:
                    ep = ENDPOINTS[name]
                    url = f"http://127.0.0.1:{srv.port}{ep.path}"
                    if ep.query:
                        url += "?" + ep.query.decode()
                    try:
                        check_endpoint(srv.port, ep)
                        if setup.warmup > 0:
                            wrk(wrk_pin, url, setup.warmup, setup.connections, scripts[name])
                        cpu = srv.cpu_seconds()
                        figures = wrk(
                            wrk_pin, url, setup.duration, setup.connections, scripts[name]
                        )
                        cpu = srv.cpu_seconds() - cpu
                        if figures.get("requests"):
                            # The server's CPU time per request: much steadier than
                            # req/s on a loaded machine (it does not count the time
                            # the server waited for a core).
                            figures["cpu_us"] = cpu / figures["requests"] * 1e6
                        if figures["non_2xx"]:
                            raise WireError(f"{figures['non_2xx']:.0f} non-2xx responses")
                        check_endpoint(srv.port, ep)
                    except WireError as exc:
                        log(f"!! {server}/{fw}/{name}: {exc}")
                        cell[name] = None
                        continue
                    cell[name] = figures
                    log(
                        f"  {name:<10} {figures['rps']:>9,.0f} req/s"
                        f"  p99 {figures.get('p99_ms', float('nan')):.2f} ms"
                        f"  server CPU {figures.get('cpu_us', float('nan')):.0f} us/req"
                    )
            finally:
                srv.stop()
    return results


def measure_large(
    setup: Setup, frameworks: list[str], rounds: int = 1
) -> dict[str, dict[str, dict[str, Any] | None]]:
    """``{framework: {"file"|"stream": {"mb_per_s", "rss_idle_mb", "rss_peak_mb"}}}`` (uvicorn).

    With ``rounds`` > 1 the frameworks take turns as in :func:`measure_wire`
    and each cell keeps its fastest run (``mb_per_s_runs`` records them all);
    the peak RSS is the highest seen in any round.
    """
    data_file = setup.workdir / "large.bin"
    with data_file.open("wb") as fh:
        fh.write(os.urandom(LARGE_SIZE))
    env = {LARGE_FILE_ENV: str(data_file)}
    best: dict[str, dict[str, dict[str, Any] | None]] = {}
    runs: dict[tuple[str, str], list[float]] = {}
    for round_no in range(rounds):
        shift = round_no % len(frameworks)
        if rounds > 1:
            log(f"== round {round_no + 1} of {rounds}")
        measured = _measure_large_once(setup, frameworks[shift:] + frameworks[:shift], env)
        for fw, kinds in measured.items():
            for kind, fig in kinds.items():
                kept = best.setdefault(fw, {}).get(kind)
                if fig is not None:
                    runs.setdefault((fw, kind), []).append(fig["mb_per_s"])
                    if kept is None or fig["mb_per_s"] > kept["mb_per_s"]:
                        if kept is not None:
                            fig["rss_peak_mb"] = max(fig["rss_peak_mb"], kept["rss_peak_mb"])
                        kept = fig
                    else:
                        kept["rss_peak_mb"] = max(fig["rss_peak_mb"], kept["rss_peak_mb"])
                best[fw][kind] = kept
    for (fw, kind), values in runs.items():
        cell = best[fw][kind]
        if cell is not None and rounds > 1:
            cell["mb_per_s_runs"] = values
    return {fw: best[fw] for fw in frameworks if fw in best}


def _measure_large_once(
    setup: Setup, frameworks: list[str], env: dict[str, str]
) -> dict[str, dict[str, dict[str, float] | None]]:
    """One round of :func:`measure_large`."""
    _, wrk_pin = cores()
    connections = 4
    results: dict[str, dict[str, dict[str, float] | None]] = {}
    for fw in frameworks:
        results[fw] = {}
        for kind, path in LARGE_PATHS.items():
            log(f"== uvicorn / {fw} / {kind}")
            try:
                srv = serve(setup, "uvicorn", fw, env)
            except WireError as exc:
                log(f"!! {fw} did not start: {exc}")
                results[fw][kind] = None
                continue
            try:
                idle = srv.peak_rss_kb()
                check_large(srv.port, path)
                url = f"http://127.0.0.1:{srv.port}{path}"
                if setup.warmup > 0:
                    wrk(wrk_pin, url, setup.warmup, connections)
                figures = wrk(wrk_pin, url, setup.duration, connections)
                check_large(srv.port, path)
                peak = srv.peak_rss_kb()
            except WireError as exc:
                log(f"!! {fw}/{kind}: {exc}")
                results[fw][kind] = None
                continue
            finally:
                srv.stop()
            mb = figures.get("bytes_per_s", 0.0) / 1e6
            results[fw][kind] = {
                "mb_per_s": mb,
                "rps": figures["rps"],
                "p99_ms": figures.get("p99_ms", 0.0),
                "rss_idle_mb": idle / 1024,
                "rss_peak_mb": peak / 1024,
            }
            log(f"  {mb:,.0f} MB/s, RSS idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB")
    return results


# --------------------------------------------------------------------------- tables


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "—"
    return f"{value / base:.2f}x"


def render_wire(results: dict[str, Any], frameworks: list[str], endpoints: list[str]) -> str:
    """One table per server: req/s and p99 per framework, then ratios vs Starlette."""
    out: list[str] = []
    for server, by_fw in results.items():
        shown = [fw for fw in frameworks if fw in by_fw]
        peers = [fw for fw in shown if fw not in ("starlette", "raw")]
        head = ["endpoint", *(f"{LABELS[fw]} req/s (p99 ms)" for fw in shown)]
        head += [f"{LABELS[fw]}/Starlette" for fw in peers]
        out.append(f"### {SERVER_LABELS[server]}\n")
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" + "|---:" * (len(head) - 1) + "|")
        for name in endpoints:
            cells = [name]
            for fw in shown:
                fig = by_fw[fw].get(name)
                if fig is None:
                    cells.append("—")
                else:
                    cells.append(f"{fig['rps']:,.0f} ({fig.get('p99_ms', float('nan')):.1f})")

            def rps(fw: str, name: str = name, by_fw: dict[str, Any] = by_fw) -> float | None:
                fig = by_fw.get(fw, {}).get(name)
                return None if fig is None else float(fig["rps"])

            cells += [_ratio(rps(fw), rps("starlette")) for fw in peers]
            out.append("| " + " | ".join(cells) + " |")
        out.append(
            "\nServer CPU time per request (µs, user + system, all the server's threads;"
            " Starlette/framework >1 = the framework needs less CPU than Starlette):\n"
        )
        head = ["endpoint", *(f"{LABELS[fw]} µs" for fw in shown)]
        head += [f"Starlette/{LABELS[fw]}" for fw in peers]
        out.append("| " + " | ".join(head) + " |")
        out.append("|---" + "|---:" * (len(head) - 1) + "|")
        for name in endpoints:

            def cpu(fw: str, name: str = name, by_fw: dict[str, Any] = by_fw) -> float | None:
                fig = by_fw.get(fw, {}).get(name)
                return None if fig is None or "cpu_us" not in fig else float(fig["cpu_us"])

            cells = [name, *(("—" if cpu(fw) is None else f"{cpu(fw):.0f}") for fw in shown)]
            cells += [_ratio(cpu("starlette"), cpu(fw)) for fw in peers]
            out.append("| " + " | ".join(cells) + " |")
        if server == "hypercorn":
            out.append(f"\n{HYPERCORN_NOTE}")
        out.append("")
    return "\n".join(out)


def render_large(results: dict[str, Any]) -> str:
    """MB/s and server RSS per framework and body kind (uvicorn)."""
    lines = [
        "| framework | body | MB/s | req/s | p99 ms | server RSS idle MB | server RSS peak MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for fw, kinds in results.items():
        for kind, fig in kinds.items():
            what = "10 MB send_file" if kind == "file" else "10 MB generator (64 KB chunks)"
            if fig is None:
                lines.append(f"| {LABELS[fw]} | {what} | — | — | — | — | — |")
                continue
            lines.append(
                f"| {LABELS[fw]} | {what} | {fig['mb_per_s']:,.0f} | {fig['rps']:.1f}"
                f" | {fig['p99_ms']:.0f} | {fig['rss_idle_mb']:.0f} | {fig['rss_peak_mb']:.0f} |"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points


def make_setup(args: argparse.Namespace, frameworks: list[str], workdir: Path) -> Setup:
    """Create the venvs needed and return the run's setup."""
    pythons: dict[str, Path] = {}
    if "ours" in frameworks:
        pythons["ours"] = ensure_ours_venv(args.venv_python)
        where = subprocess.run(
            [str(pythons["ours"]), "-c", "import quart; print(quart.__file__)"],
            capture_output=True, text=True, check=False, cwd="/",
        ).stdout.strip()  # fmt: skip
        if not where.startswith(str(ROOT / "src")):
            raise WireError(f"bench/.venv-ours imports quart from {where!r}, not the work tree")
    if any(fw != "ours" for fw in frameworks):
        ref = ensure_ref_venv(args.venv_python)
        for fw in frameworks:
            if fw != "ours":
                pythons[fw] = ref
    if shutil.which("wrk") is None:
        raise WireError("wrk is not installed (apt-get install wrk)")
    return Setup(pythons, args.duration, args.warmup, args.connections, workdir)


def run_mode(mode: str, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """``run.py --wire`` / ``--large``: print the table, return (status, JSON section)."""
    selected = list(getattr(args, "frameworks", FRAMEWORKS[:-1]))
    pin_server, pin_wrk = cores()
    pinning = "server on core 0, wrk on core 1 (taskset)" if pin_server else "no pinning (one core)"
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as tmp:
        workdir = Path(tmp)
        if mode == "wire":
            frameworks = [fw for fw in FRAMEWORKS if fw in selected or fw == "raw"]
            servers = [s.strip() for s in args.servers.split(",") if s.strip()]
            endpoints = [e.strip() for e in args.wire_endpoints.split(",") if e.strip()]
            setup = make_setup(args, frameworks, workdir)
            rounds = max(1, getattr(args, "wire_rounds", 1))
            results: Any = measure_wire(setup, servers, frameworks, endpoints, rounds)
            print()
            print(
                f"## Over the wire\n\nwrk -t1 -c{args.connections}, {args.warmup:g} s warm-up"
                f" then {args.duration:g} s per cell, best of {rounds} round(s);"
                f" one server worker; {pinning}."
                " req/s (p99 latency in ms); ratios are framework/Starlette req/s on the"
                " same server (>1 = faster than Starlette)."
            )
            print()
            print(render_wire(results, frameworks, endpoints))
            failed = any(
                fig is None
                for by_fw in results.values()
                for cell in by_fw.values()
                for fig in cell.values()
            )
            section = {
                "servers": servers,
                "duration": args.duration,
                "warmup": args.warmup,
                "connections": args.connections,
                "rounds": rounds,
                "results": results,
                "note": HYPERCORN_NOTE,
            }
        else:
            frameworks = [fw for fw in LARGE_FRAMEWORKS if fw in selected]
            setup = make_setup(args, frameworks, workdir)
            rounds = max(1, getattr(args, "wire_rounds", 1))
            results = measure_large(setup, frameworks, rounds)
            print()
            print(
                f"## Large bodies over the wire (uvicorn)\n\nwrk -t1 -c4, {args.warmup:g} s"
                f" warm-up then {args.duration:g} s, best of {rounds} round(s); {pinning}."
                " MB/s received by wrk;"
                " server RSS from /proc VmHWM of a fresh server (idle = after start-up)."
            )
            print()
            print(render_large(results))
            failed = any(fig is None for kinds in results.values() for fig in kinds.values())
            section = {"duration": args.duration, "rounds": rounds, "results": results}
    return (1 if failed else 0), section


def main(argv: list[str] | None = None) -> int:
    """Standalone: ``wire.py [--large] [--duration S] ...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="large bodies instead")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--wire-rounds", type=int, default=1, help="best of N interleaved rounds")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--wire-endpoints", default="plaintext,json,json_echo,template")
    parser.add_argument("--only", default=",".join(FRAMEWORKS[:-1]))
    parser.add_argument("--venv-python", default=sys.executable)
    args = parser.parse_args(argv)
    args.frameworks = [fw.strip() for fw in args.only.split(",") if fw.strip()]
    try:
        status, _ = run_mode("large" if args.large else "wire", args)
    except WireError as exc:
        log(f"FAILED: {exc}")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
