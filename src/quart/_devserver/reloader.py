"""The development reloader behind ``app.run()`` and ``quart run``.

How it works (the design of Quart 0.23): the process the user started is the
*parent*. It never serves: it re-runs its own command line in a child process
with ``QUART_RUN_MAIN=true`` and waits. The child serves and polls the files
of its loaded modules; on a change it shuts down gracefully and exits with
:data:`RELOAD_EXIT_CODE`, and the parent starts a new child. Any other exit
code ends the parent with that code. Re-running the command line, rather than
exec-ing the process in place, works the same whether the program was started
as ``python -m pkg``, ``python app.py`` (executable bit or not) or a console
script such as ``quart run``, including the wrapper executables of Windows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from types import FrameType

#: The exit code with which a reloader child asks to be restarted.
RELOAD_EXIT_CODE = 3

_RUN_MAIN = "QUART_RUN_MAIN"


def is_running_from_reloader() -> bool:
    """Whether this process is a reloader child (``QUART_RUN_MAIN=true``)."""
    return os.environ.get(_RUN_MAIN) == "true"


def module_mtimes() -> dict[str, float]:
    """Modification times of the files of the loaded modules."""
    mtimes: dict[str, float] = {}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not filename:
            continue
        try:
            mtimes[filename] = os.stat(filename).st_mtime
        except OSError:
            continue
    return mtimes


def changed(before: dict[str, float], after: dict[str, float]) -> bool:
    """Whether a file in ``before`` has another time in ``after`` (modules
    imported in between are not changes)."""
    return any(before.get(name, mtime) != mtime for name, mtime in after.items())


async def wait_for_change_or(event: asyncio.Event, interval: float = 1.0) -> bool:
    """Wait until ``event`` is set (``False``) or a module's file changes (``True``)."""
    last = module_mtimes()
    while True:
        try:
            async with asyncio.timeout(interval):
                await event.wait()
            return False
        except TimeoutError:
            pass
        current = module_mtimes()
        if changed(last, current):
            return True
        last = current


def reloader_argv() -> list[str] | None:
    """The command line that started this process, or ``None`` when it cannot
    be re-run (``python -c``, an interactive session)."""
    warn_options = [f"-W{option}" for option in sys.warnoptions]
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        # Started as `python -m name`.
        name = spec.name.removesuffix(".__main__")
        return [sys.executable, *warn_options, "-m", name, *sys.argv[1:]]
    script = sys.argv[0] if sys.argv else ""
    if not script or script == "-c":
        return None
    if os.path.isfile(script):
        if script.lower().endswith(".exe"):
            return [script, *sys.argv[1:]]
        # Through the interpreter, so the file needs no executable bit.
        return [sys.executable, *warn_options, script, *sys.argv[1:]]
    # Windows console scripts: argv[0] lacks the suffix of the real file.
    if os.path.isfile(script + ".exe"):
        return [script + ".exe", *sys.argv[1:]]
    if os.path.isfile(script + "-script.py"):
        return [sys.executable, *warn_options, script + "-script.py", *sys.argv[1:]]
    return None


def run_reloader() -> int:
    """Run this program's command line in a child process, restarting it
    whenever it exits with :data:`RELOAD_EXIT_CODE`; return the exit code to
    end with.

    SIGINT and SIGTERM are passed on to the child, which shuts down
    gracefully. If a restarted child fails (a syntax error in the file just
    edited), the parent waits for another change and tries again.
    """
    argv = reloader_argv()
    if argv is None:
        raise RuntimeError(
            "The reloader cannot re-run this program (started with 'python -c' or"
            " interactively); pass use_reloader=False."
        )
    env = {**os.environ, _RUN_MAIN: "true"}
    child: subprocess.Popen[bytes] | None = None
    # Appended to by the signal handler (a list, so the loop re-reads it).
    stopping: list[int] = []

    def _forward(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        if child is not None and child.poll() is None:
            # Ctrl-C in a terminal also reaches the child directly (same
            # process group), so SIGINT is passed on as SIGTERM: the child
            # then sees one signal of each kind, both meaning "shut down
            # gracefully", and only a repeated Ctrl-C forces it.
            if signum == signal.SIGINT and hasattr(signal, "SIGKILL"):
                signum = signal.SIGTERM
            child.send_signal(signum)

    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    signums = [getattr(signal, name) for name in names if hasattr(signal, name)]
    previous = {signum: signal.signal(signum, _forward) for signum in signums}
    restarted = False
    try:
        while True:
            # What this child starts from: a fix saved while it fails to start
            # (before the message below) must count as a change.
            mtimes = module_mtimes()
            child = subprocess.Popen(argv, env=env)
            code = child.wait()
            if code < 0:
                code = 128 - code  # Killed by a signal: the shell's convention.
            if stopping:
                return code
            if code == RELOAD_EXIT_CODE:
                restarted = True
                continue
            if not restarted or code == 0:
                return code
            print(
                f" * The app exited with code {code} after reloading; fix it and save"
                " a file to restart.",
                file=sys.stderr,
            )
            while not stopping and not changed(mtimes, module_mtimes()):
                time.sleep(0.5)
            if stopping:
                return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
