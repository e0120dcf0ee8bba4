"""Run the Quart extensions' own test suites against this package.

``make test-extensions`` (and CI) runs this. Each extension is pinned to a
release; its source distribution is downloaded from PyPI once, into a cache
outside the repository (``${XDG_CACHE_HOME:-~/.cache}/quart-extension-suites``),
checked against the sha256 pinned below (so a changed upload is noticed),
unpacked into a temporary folder and its ``tests/`` run with pytest, each
suite under a time limit.

The suites run in one venv, also in the cache and reused while its
requirements (the lists below, this package's dependencies, the Python
version) are unchanged, with this package installed editable: so ``quart``
there is this repository's ``src/quart``, never the real Quart.

The rule: every test that passes on Quart 0.22 passes here, or is in a
suite's ``deselect`` map with its reason. ``--reference`` runs the same
suites against the real Quart 0.22 instead (in a venv of its own in the
cache) to tell which tests pass there; ``--no-deselect`` runs the listed
tests too.

Quart-WTF publishes no tests: its suite is ``tools/extension_tests/quart_wtf``,
written for this repository and run against both in the same way.

quart-db's tests run once per backend. For its PostgreSQL ones a throwaway
server is started (Debian's ``postgresql`` package: ``initdb`` into a
temporary folder, on 127.0.0.1 at a free port, as the ``postgres`` user when
run as root) and stopped afterwards; its URL is ``DATABASE_URL``. Without
the package those tests are deselected, with the reason printed, except
under CI (``CI`` set), where that is an error: they never skip silently.

Stdlib only. Exit status: 0 if every suite passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN_TESTS = ROOT / "tools" / "extension_tests"
#: The real Quart that ``--reference`` runs the suites against.
REFERENCE_QUART = "quart==0.22.0"
#: Default time limit for one suite (collection and run), in seconds.
SUITE_TIMEOUT = 300.0

#: Why a suite's PostgreSQL tests are deselected when no server can be started.
NEEDS_POSTGRES = "needs a PostgreSQL server (DATABASE_URL), and none could be started here"


@dataclass(frozen=True)
class Suite:
    """One extension: its pinned release, how to install it, what not to run."""

    #: Distribution name on PyPI.
    name: str
    version: str
    #: sha256 of the release's source distribution on PyPI.
    sha256: str
    #: The requirement that installs it (with extras), if not ``name==version``.
    install: str = ""
    #: Where the tests are, when not the sdist's ``tests/``: a folder of
    #: ``tools/extension_tests`` (copied, like the sdist, to a temporary folder).
    own_tests: str = ""
    #: pytest node ids not to run (``*`` matches anything), each with its reason.
    deselect: dict[str, str] = field(default_factory=dict)
    #: Node id patterns of the tests that need a PostgreSQL server: the suite
    #: runs with one (``DATABASE_URL``), see :func:`postgres_server`.
    postgres: tuple[str, ...] = ()

    @property
    def pin(self) -> str:
        """``name==version``."""
        return f"{self.name}=={self.version}"

    @property
    def requirement(self) -> str:
        """What pip installs."""
        return self.install or self.pin


SUITES = [
    Suite(
        "quart-cors",
        "0.8.0",
        "ac32c4931da6fba944e9e2d3f856f2db4fd82e3fb905a09646086780c221a118",
    ),
    Suite(
        "quart-auth",
        "0.12.0",
        "245e0e52417f29a344cbbd59028b0728a43c035b0795eeab08acb1e84ae1e728",
    ),
    Suite(
        "quart-rate-limiter",
        "0.12.1",
        "9bd44b35372d0255ae716bff9aedeb041188cc3480a51a37e1f9e00b178941f3",
    ),
    Suite(
        "quart-schema",
        "0.25.0",
        "c34be5cb7e7a6e36631eb7cb195d378f975c375d45b509895b4f832f3b36bf95",
    ),
    Suite(
        "quart-db",
        "0.12.0",
        "c57d3c5ea369db6add20e2cf4a842c972dcf1b434f5f8fdaf18196705fcf86a3",
        install="quart-db[sqlite]==0.12.0",
        # Every test runs once per backend (the ``url`` fixture).
        postgres=("tests/*[asyncpg*]", "tests/*[psycopg*]"),
    ),
    Suite(
        "quart-tasks",
        "0.5.0",
        "c9023b26a054306bf5f50c6803bf86ae0ea46ca0eaa8efe6ec20f70880d38102",
    ),
    # Quart-WTF: ``quart-wtf`` on PyPI is a 2022 release (0.0.1) that requires
    # quart<0.19; the project publishes as ``quart-wtforms`` since (import
    # name still ``quart_wtf``). No release ships tests.
    Suite(
        "quart-wtforms",
        "1.0.3",
        "9fa4b0203370d6f7294c387fae9e1f096bc1e77003f1207445ca5e1e01e80eb7",
        own_tests="quart_wtf",
    ),
]

#: What the suites import besides the extensions and pytest.
TEST_DEPENDENCIES = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "hypothesis",  # quart-schema
    "pydantic>=2",  # quart-schema
    "attrs",  # quart-schema
    "msgspec",  # quart-schema
    "redis",  # quart-rate-limiter
    "valkey",  # quart-rate-limiter
    "psycopg[pool]",  # quart-db's tests import its psycopg backend
    "freezegun",  # quart-tasks
]


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """Where the sources and the venvs are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quart-extension-suites"


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def venv_python(venv: Path) -> Path:
    """The venv's interpreter."""
    return venv / "bin" / "python"


def pip(python: Path, *args: str) -> None:
    """Run pip quietly in a venv; fail on error."""
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args]
    subprocess.run(command, check=True)


def suite_env(reference: bool) -> dict[str, str]:
    """The environment the suites run in.

    The venv is shared by every clone of this repository on the machine (it
    is keyed by requirements, not by path), and its editable install points
    at the clone that created it: ``PYTHONPATH`` puts this clone's ``src``
    first, so ``import quart`` is always this one.
    """
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if not reference:
        env["PYTHONPATH"] = str(ROOT / "src")
    return env


def quart_location(python: Path, reference: bool) -> tuple[Path, str]:
    """Where ``import quart`` resolves for the suites, and the installed version."""
    code = "import importlib.metadata as m, quart; print(quart.__file__); print(m.version('quart'))"
    out = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env=suite_env(reference),
    ).stdout.split()
    if len(out) != 2:
        return Path("/nonexistent"), ""
    return Path(out[0]).resolve(), out[1]


def make_venv(venv: Path, key_text: str, requirements: list[str]) -> None:
    """Create ``venv`` with ``requirements``, unless it exists with the same ones."""
    stamp = venv / ".requirements"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == key_text:
        log(f"reusing {venv}")
        return
    # Older venvs of the same kind and Python are of no more use.
    for old in venv.parent.glob(f"{venv.name.rsplit('-', 1)[0]}-*"):
        shutil.rmtree(old, ignore_errors=True)
    log(f"creating {venv} ...")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip(venv_python(venv), "install", *requirements)
    stamp.write_text(key_text, encoding="utf-8")


def ensure_venv(reference: bool) -> Path:
    """The suites' venv, created or reused (if its requirements did not change); its python."""
    quart = [REFERENCE_QUART] if reference else ["-e", str(ROOT)]
    requirements = [*quart, *(suite.requirement for suite in SUITES), *TEST_DEPENDENCIES]
    # This package's own dependencies count too (the rest of pyproject.toml not).
    with (ROOT / "pyproject.toml").open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    # The key leaves out this clone's path: any clone can reuse the venv.
    key_text = "\n".join(
        [
            sys.version,
            *requirements[len(quart) :],
            REFERENCE_QUART if reference else "",
            *dependencies,
        ]
    )
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    kind = "reference" if reference else "venv"
    venv = cache_dir() / f"{kind}-py{sys.version_info[0]}.{sys.version_info[1]}-{key}"
    cache_dir().mkdir(parents=True, exist_ok=True)
    with (cache_dir() / ".lock").open("w") as lock:
        # One creator at a time (two clones, or CI and a developer).
        fcntl.flock(lock, fcntl.LOCK_EX)
        make_venv(venv, key_text, requirements)
    python = venv_python(venv)
    where, version = quart_location(python, reference)
    if reference:
        expected = REFERENCE_QUART.split("==")[1]
        if version != expected or where.is_relative_to(ROOT):
            raise SystemExit(f"reference venv: quart {version} at {where}, not Quart {expected}")
    elif not where.is_relative_to(ROOT / "src"):
        raise SystemExit(f"quart resolves to {where}, not to this repository's src/")
    log(f"quart {version} from {where.parent}")
    return python


def fetch_sdist(suite: Suite, python: Path) -> Path:
    """The suite's source distribution, from the cache or PyPI, checked by sha256."""
    folder = cache_dir() / "sdists" / suite.pin
    for archive in folder.glob("*.tar.gz"):
        if sha256_of(archive) == suite.sha256:
            return archive
        archive.unlink()  # a partial or damaged download: fetch it again
    folder.mkdir(parents=True, exist_ok=True)
    log(f"downloading {suite.pin} ...")
    pip(
        python,
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(folder),
        suite.pin,
    )
    archives = list(folder.glob("*.tar.gz"))
    if len(archives) != 1:
        raise SystemExit(f"{suite.pin}: expected one .tar.gz in {folder}, found {archives}")
    actual = sha256_of(archives[0])
    if actual != suite.sha256:
        raise SystemExit(
            f"{suite.pin}: sha256 of {archives[0].name} is {actual}, pinned {suite.sha256}: "
            "the upload changed; check it before pinning the new hash"
        )
    return archives[0]


def unpack(suite: Suite, archive: Path, into: Path) -> Path:
    """Lay out the suite's tests in ``into``; return the folder to run pytest in."""
    if suite.own_tests:
        target = into / suite.name
        shutil.copytree(
            OWN_TESTS / suite.own_tests,
            target / "tests",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        # An ini of its own, so pytest does not read this repository's settings.
        (target / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
        )
        return target
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    folders = [path for path in into.iterdir() if path.is_dir()]
    if len(folders) != 1:
        raise SystemExit(f"{archive.name}: expected one top folder, found {folders}")
    return folders[0]


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started (not installed, or it failed to start)."""


def postgres_bindir() -> Path | None:
    """Where Debian's PostgreSQL server programs are (the newest major version)."""
    found = shutil.which("initdb")
    # (Resolved: a symlink on PATH may stand for initdb alone.)
    if found is not None and (Path(found).resolve().parent / "createdb").exists():
        return Path(found).resolve().parent
    candidates = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    candidates.sort(key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    return candidates[-1] if candidates else None


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway PostgreSQL server on 127.0.0.1 at a free port, with a
    database for the suites; yield its URL; stop it and delete its files.

    PostgreSQL refuses to run as root: as root, its programs run as the
    ``postgres`` user (``nobody`` without one), which owns the temporary folder.
    """
    bindir = postgres_bindir()
    if bindir is None:
        raise PostgresUnavailable("no initdb: apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="quart-suites-postgres-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    data, log_file = folder / "data", folder / "server.log"

    def run(*command: str | Path) -> None:
        try:
            done = subprocess.run(
                [*run_as, *map(str, command)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PostgresUnavailable(f"{Path(command[0]).name} took over 60 s") from None
        if done.returncode != 0:
            tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            raise PostgresUnavailable(
                f"{Path(command[0]).name} exited {done.returncode}: {done.stderr[-2000:]}{tail}"
            )

    initialised = False
    try:
        run(bindir / "initdb", "-D", data, "-U", "quart", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync")  # fmt: skip
        initialised = True
        for attempt in range(3):
            # TCP on 127.0.0.1 only, no Unix socket. The port was free a moment
            # ago; if another process took it meanwhile, try another one.
            port = free_port()
            options = f"-h 127.0.0.1 -p {port} -k '' -F"
            try:
                run(bindir / "pg_ctl", "-D", data, "-l", log_file, "-o", options, "-w", "-t",
                    "30", "start")  # fmt: skip
                break
            except PostgresUnavailable:
                if attempt == 2 or "already in use" not in log_file.read_text(errors="replace"):
                    raise
        run(bindir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "quart", "suites")
        log(f"PostgreSQL ({bindir.parent.name}) on 127.0.0.1:{port}")
        yield f"postgresql://quart@127.0.0.1:{port}/suites"
    finally:
        if initialised:
            # Also after a failed start: pg_ctl may give up waiting on a server
            # that goes on starting. Nothing running is fine.
            with contextlib.suppress(PostgresUnavailable):
                run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "30", "stop")
            _kill_postmaster(data)
        shutil.rmtree(folder, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    """Kill the server of ``data`` if it is still there (a stop that failed)."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        # Only that server: a stale file's number may be another process's now.
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return  # stopped: the server removes the file as it exits
    if str(data).encode() in command:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A deselect pattern (``*`` matches anything, the rest literally) as a regex."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


@dataclass
class Result:
    """What one suite did."""

    suite: Suite
    tests: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    deselected: int = 0
    #: How many tests were deselected for each reason.
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    #: Why the suite did not run to the end (timeout, collection error).
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the suite ran and nothing failed."""
        return not self.error and self.failed == 0 and self.passed > 0


class SuiteTimeout(Exception):
    """A suite ran past its time limit."""


def pytest_run(
    python: Path, cwd: Path, args: list[str], deadline: float, env: dict[str, str]
) -> tuple[int, str]:
    """Run pytest in ``cwd``, killing it (and its children) at ``deadline``."""
    command = [
        str(python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        # The suites' own settings add coverage options: keep only what the
        # tests need.
        "-o",
        "addopts=",
        "-o",
        "asyncio_mode=auto",
        *args,
    ]
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    ) as process:
        try:
            out, _ = process.communicate(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise SuiteTimeout from None
    return process.returncode, out


def run_suite(
    suite: Suite,
    python: Path,
    source: Path,
    timeout: float,
    apply_deselect: bool,
    env: dict[str, str],
    unavailable: dict[str, str] | None = None,
) -> Result:
    """Collect, deselect, run and count one suite (``unavailable``: more
    patterns to deselect, with their reasons, whatever ``apply_deselect``)."""
    result = Result(suite)
    start = time.monotonic()
    deadline = start + timeout
    try:
        code, out = pytest_run(python, source, ["--collect-only", "-q", "tests"], deadline, env)
        ids = [line for line in out.splitlines() if "::" in line and " " not in line]
        if code != 0 or not ids:
            print(out)
            result.error = "collection failed"
            return result
        deselected: list[str] = []
        patterns = dict(suite.deselect) if apply_deselect else {}
        patterns.update(unavailable or {})
        if patterns:
            for pattern, reason in patterns.items():
                regex = pattern_regex(pattern)
                matched = [node for node in ids if regex.fullmatch(node)]
                if not matched:
                    # A stale entry (the test was renamed or removed).
                    print(f"{suite.pin}: deselect pattern matches no test: {pattern}")
                    result.error = "stale deselect entry"
                new = [node for node in matched if node not in deselected]
                deselected += new
                result.reasons[reason] += len(new)
        result.deselected = len(deselected)
        report = source / "junit.xml"
        args = ["-q", "-rfE", f"--junitxml={report}", "tests"]
        args += [f"--deselect={node}" for node in deselected]
        code, out = pytest_run(python, source, args, deadline, env)
        print(out, end="")
        if not report.exists():
            result.error = f"pytest exited {code} with no report"
            return result
        totals = ET.parse(report).getroot()
        suites = [totals] if totals.tag == "testsuite" else list(totals.iter("testsuite"))
        for element in suites:
            tests = int(element.get("tests", "0"))
            failed = int(element.get("failures", "0")) + int(element.get("errors", "0"))
            skipped = int(element.get("skipped", "0"))
            result.tests += tests
            result.failed += failed
            result.skipped += skipped
            result.passed += tests - failed - skipped
        if code not in (0, 1):
            result.error = f"pytest exited {code}"
    except SuiteTimeout:
        result.error = f"timed out after {timeout:.0f}s"
    finally:
        result.seconds = time.monotonic() - start
    return result


def print_summary(results: list[Result], reference: bool) -> None:
    """The table: suite, passed, failed, skipped, deselected (reasons), time."""
    against = f"real {REFERENCE_QUART}" if reference else "this package"
    print(f"\nExtension suites against {against}:")
    header = f"{'suite':28} {'passed':>6} {'failed':>6} {'skipped':>7} {'deselected':>16}  time"
    print(header)
    print("-" * len(header))
    for result in results:
        count = len(result.reasons)
        why = f" ({count} reason{'s' * (count != 1)})" if result.deselected else ""
        deselected = f"{result.deselected}{why}"
        status = f"  {result.error.upper()}" if result.error else ""
        print(
            f"{result.suite.pin:28} {result.passed:>6} {result.failed:>6} {result.skipped:>7} "
            f"{deselected:>16}  {result.seconds:4.1f}s{status}"
        )
    reasons: Counter[str] = Counter()
    for result in results:
        reasons.update(result.reasons)
    for reason, count in reasons.items():
        print(f"  deselected {count}: {reason}")
    passed = sum(result.passed for result in results)
    failed = sum(result.failed for result in results)
    skipped = sum(result.skipped for result in results)
    print(f"extensions: {passed} passed, {failed} failed, {skipped} skipped")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run every suite (or those named); 0 if all passed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "only", nargs="*", help="distribution names to run (default: all), e.g. quart-db"
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help=f"run against the real {REFERENCE_QUART} (the baseline) instead of this package",
    )
    parser.add_argument("--no-deselect", action="store_true", help="run the deselected tests too")
    parser.add_argument(
        "--timeout",
        type=float,
        default=SUITE_TIMEOUT,
        help=f"seconds allowed per suite (default {SUITE_TIMEOUT:.0f})",
    )
    args = parser.parse_args(argv)
    # A SIGTERM (a CI time limit) unwinds like an error, so the PostgreSQL
    # server and the temporary folders go too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    unknown = set(args.only) - {suite.name for suite in SUITES}
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    python = ensure_venv(args.reference)
    env = suite_env(args.reference)
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory(prefix="quart-extension-suites-") as tmp,
        contextlib.ExitStack() as services,
    ):
        database_url: str | None = None
        for suite in SUITES:
            if args.only and suite.name not in args.only:
                continue
            log(f"== {suite.pin}")
            folder = Path(tmp) / suite.pin
            folder.mkdir()
            source = unpack(suite, fetch_sdist(suite, python), folder)
            suite_environment, unavailable = env, {}
            if suite.postgres:
                if database_url is None:
                    try:
                        database_url = services.enter_context(postgres_server())
                    except PostgresUnavailable as error:
                        if os.environ.get("CI"):
                            raise SystemExit(f"{suite.pin}: {error}") from None
                        log(f"{suite.pin}: {error}")
                if database_url is None:
                    unavailable = {pattern: NEEDS_POSTGRES for pattern in suite.postgres}
                else:
                    suite_environment = {**env, "DATABASE_URL": database_url}
            result = run_suite(
                suite,
                python,
                source,
                args.timeout,
                not args.no_deselect,
                suite_environment,
                unavailable,
            )
            results.append(result)
    print_summary(results, args.reference)
    return 0 if results and all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
